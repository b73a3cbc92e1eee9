// The rows of one or more collection years of SSDA903 returns (Header, Episodes, Reviews),
// typed and pooled by child, with the years merged: an episode open at one year end appears
// again in the next year's file (same child and start date) and is one episode, the later
// file's end date and reason winning (docs/import-903.md, "Merge of years").
//
// What a row cannot be read as (a date that is not one, a missing child id) is a Reason
// against its child, with the file and line; the validation of the child's whole history
// (validate.h) comes after.
//
// Thread-safety: a Returns is a plain value; the functions are not synchronised.
#ifndef FOOTPRINT_IMPORT903_RETURNS_H_
#define FOOTPRINT_IMPORT903_RETURNS_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "import903/csv.h"

namespace footprint::import903 {

// Where a row came from.
struct Source {
  std::string file;
  int line = 0;
  int year = 0;  // the collection year of the file (1 April year - 31 March year + 1)
};

struct HeaderRow {
  Source source;
  std::string sex;
  std::optional<absl::CivilDay> dob;
  std::string ethnic;
};

struct Episode {
  Source source;  // of the latest file that has it
  absl::CivilDay decom;
  std::string rne, ls, cin, place, provider;
  std::optional<absl::CivilDay> dec;
  std::string rec, reason_place_change, home_post, pl_post, urn;
  std::vector<int> years;  // every collection year whose file has it
  // Set by the episode.rne repair (validate.h): the episode changes nothing the record holds
  // (RNE L with the legal status and placement unchanged), so nothing is recorded for its start.
  bool changes_nothing = false;
};

struct Review {
  Source source;
  absl::CivilDay on;
  std::string code;  // REVIEW_CODE, PN0-PN7
  // Another row has the same date with another code (review.years_differ): every row of the
  // date is left out.
  bool differs = false;
};

// Why a child cannot be imported as it stands, or why one of its rows is left out, or one of
// its values recorded as not known: a rule id (docs/import-903.md) and the detail.
struct Reason {
  Reason() = default;
  Reason(std::string rule_in, std::string detail_in, std::string row_in = "")
      : rule(std::move(rule_in)), detail(std::move(detail_in)), row(std::move(row_in)) {}
  std::string rule;
  std::string detail;
  // For a row left out: its "file:line" (a row can break several rules, one Reason each).
  std::string row;
};

struct ChildReturn {
  std::string id;
  std::vector<HeaderRow> headers;  // one per year that lists the child
  std::vector<Episode> episodes;   // by start date, merged across years
  std::vector<Review> reviews;     // by date, one per date
  std::vector<Reason> reasons;     // what could not be read or merged: rejects the child
  std::vector<Reason> left_out;    // review rows left out while reading (the rest goes in)
  // Set by Validate: the first period of care began before the files (its first episode was
  // open on 1 April of the first year read, and is not RNE S); its start is not known.
  bool start_not_known = false;
  // Set by Validate: the first period began (RNE S) before the files, so the reviews held in it
  // before this day (1 April of the first year read) are not in them.
  std::optional<absl::CivilDay> reviews_known_from;
};

struct Returns {
  std::map<std::string, ChildReturn> children;  // by CHILD
  // Rows without a child id (they cannot be put against a child): "file:line: ..." each.
  std::vector<std::string> orphan_rows;
  std::vector<int> years;  // added, ascending
};

// Adds one collection year's files (any of them may be null: not given). INVALID_ARGUMENT,
// naming the file, when a required column is missing or the year was added already; then
// nothing of the year is added. Episodes must be added in year order for the merge to keep
// the latest file's ending: years added out of order are refused.
absl::Status AddYear(int year, const CsvTable* header, const CsvTable* episodes,
                     const CsvTable* reviews, Returns* returns);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_RETURNS_H_
