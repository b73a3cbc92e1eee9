#include "import903/returns.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "import903/dates.h"

namespace footprint::import903 {
namespace {

// The columns of a file, resolved to indexes; optional columns may be absent.
class Columns {
 public:
  static absl::StatusOr<Columns> Of(const CsvTable& table, std::vector<std::string> required,
                                    std::vector<std::string> optional) {
    Columns columns;
    std::vector<std::string> missing;
    for (const std::string& name : required) {
      auto index = table.Column(name);
      if (!index) missing.push_back(name);
      columns.index_[name] = index;
    }
    if (!missing.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(table.file, ": no column ", absl::StrJoin(missing, ", "),
                       " (the header has ", absl::StrJoin(table.header, ","), ")"));
    }
    for (const std::string& name : optional) columns.index_[name] = table.Column(name);
    columns.width_ = table.header.size();
    return columns;
  }

  // The field of `name` in `row`, without surrounding spaces; "" when absent.
  std::string Get(const CsvRow& row, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end() || !it->second || *it->second >= row.fields.size()) return "";
    return std::string(absl::StripAsciiWhitespace(row.fields[*it->second]));
  }
  size_t width() const { return width_; }

 private:
  std::map<std::string, std::optional<size_t>> index_;
  size_t width_ = 0;
};

std::string Where(const Source& s) { return absl::StrCat(s.file, ":", s.line); }

// The child a row is about, or nullptr (the row is recorded as an orphan) when it has none.
// A row whose field count differs from the header's is a reason against its child.
ChildReturn* ChildOf(const CsvRow& row, const Columns& columns, const Source& source,
                     Returns* returns) {
  const std::string id = columns.Get(row, "CHILD");
  if (id.empty()) {
    returns->orphan_rows.push_back(absl::StrCat(Where(source), ": no CHILD"));
    return nullptr;
  }
  ChildReturn& child = returns->children[id];
  child.id = id;
  if (row.fields.size() != columns.width()) {
    child.reasons.push_back(
        {"row.malformed", absl::StrCat(Where(source), ": ", row.fields.size(),
                                       " fields, the header has ", columns.width())});
  }
  return &child;
}

// A date column: nullopt when empty (allowed only if `may_be_empty`), a reason otherwise.
// A date that does not read is a reason in `reasons` (the child's, or its left-out rows').
bool ReadDate(const std::string& text, const char* column, bool may_be_empty, const Source& source,
              std::vector<Reason>* reasons, std::optional<absl::CivilDay>* out) {
  if (text.empty()) {
    if (may_be_empty) return true;
    reasons->push_back(
        {"row.malformed", absl::StrCat(Where(source), ": ", column, " is empty"), Where(source)});
    return false;
  }
  auto day = Parse903Date(text, column);
  if (!day.ok()) {
    reasons->push_back({"row.malformed", absl::StrCat(Where(source), ": ", day.status().message()),
                        Where(source)});
    return false;
  }
  *out = *day;
  return true;
}

Source SourceOf(const CsvTable& table, const CsvRow& row, int year) {
  return Source{table.file, row.line, year};
}

void AddHeader(const CsvTable& table, const Columns& c, int year, Returns* returns) {
  for (const CsvRow& row : table.rows) {
    const Source source = SourceOf(table, row, year);
    ChildReturn* child = ChildOf(row, c, source, returns);
    if (child == nullptr) continue;
    HeaderRow header;
    header.source = source;
    header.sex = c.Get(row, "SEX");
    header.ethnic = c.Get(row, "ETHNIC");
    if (!ReadDate(c.Get(row, "DOB"), "DOB", false, source, &child->reasons, &header.dob)) continue;
    child->headers.push_back(std::move(header));
  }
}

void AddEpisodes(const CsvTable& table, const Columns& c, int year, Returns* returns) {
  for (const CsvRow& row : table.rows) {
    const Source source = SourceOf(table, row, year);
    ChildReturn* child = ChildOf(row, c, source, returns);
    if (child == nullptr) continue;
    std::optional<absl::CivilDay> decom, dec;
    if (!ReadDate(c.Get(row, "DECOM"), "DECOM", false, source, &child->reasons, &decom)) continue;
    if (!ReadDate(c.Get(row, "DEC"), "DEC", true, source, &child->reasons, &dec)) continue;
    Episode e;
    e.source = source;
    e.decom = *decom;
    e.rne = c.Get(row, "RNE");
    e.ls = c.Get(row, "LS");
    e.cin = c.Get(row, "CIN");
    e.place = c.Get(row, "PLACE");
    e.provider = c.Get(row, "PLACE_PROVIDER");
    e.dec = dec;
    e.rec = c.Get(row, "REC");
    e.reason_place_change = c.Get(row, "REASON_PLACE_CHANGE");
    e.home_post = c.Get(row, "HOME_POST");
    e.pl_post = c.Get(row, "PL_POST");
    e.urn = c.Get(row, "URN");
    e.years = {year};
    auto at = std::lower_bound(child->episodes.begin(), child->episodes.end(), e.decom,
                               [](const Episode& x, absl::CivilDay day) { return x.decom < day; });
    if (at == child->episodes.end() || at->decom != e.decom) {
      child->episodes.insert(at, std::move(e));
      continue;
    }
    // The same start date again: in the same file a second episode; in a later file the same
    // episode, continued (what it was must not have changed, its ending may have).
    if (at->years.back() == year) {
      child->reasons.push_back(
          {"episode.duplicate",
           absl::StrCat(Where(source), ": a second episode starting ", c.Get(row, "DECOM"),
                        " (the first at ", Where(at->source), ")")});
      continue;
    }
    std::vector<std::string> changed;
    if (at->rne != e.rne) changed.push_back("RNE " + at->rne + " -> " + e.rne);
    if (at->ls != e.ls) changed.push_back("LS " + at->ls + " -> " + e.ls);
    if (at->cin != e.cin) changed.push_back("CIN " + at->cin + " -> " + e.cin);
    if (at->place != e.place) changed.push_back("PLACE " + at->place + " -> " + e.place);
    if (at->provider != e.provider) {
      changed.push_back("PLACE_PROVIDER " + at->provider + " -> " + e.provider);
    }
    if (!changed.empty()) {
      child->reasons.push_back(
          {"episode.years_differ",
           absl::StrCat(Where(source), ": the episode starting ", c.Get(row, "DECOM"),
                        " differs from the one at ", Where(at->source), " (",
                        absl::StrJoin(changed, ", "), ")")});
      continue;
    }
    e.years.insert(e.years.begin(), at->years.begin(), at->years.end());
    *at = std::move(e);  // the later file's ending, and its source
  }
}

void AddReviews(const CsvTable& table, const Columns& c, int year, Returns* returns) {
  for (const CsvRow& row : table.rows) {
    const Source source = SourceOf(table, row, year);
    ChildReturn* child = ChildOf(row, c, source, returns);
    if (child == nullptr) continue;
    std::optional<absl::CivilDay> on;
    // A review row is left out on its own: the episodes do not depend on it.
    if (!ReadDate(c.Get(row, "REVIEW"), "REVIEW", false, source, &child->left_out, &on)) continue;
    Review r{source, *on, c.Get(row, "REVIEW_CODE")};
    auto at = std::lower_bound(child->reviews.begin(), child->reviews.end(), r.on,
                               [](const Review& x, absl::CivilDay day) { return x.on < day; });
    if (at != child->reviews.end() && at->on == r.on) {
      // The same review in two files (or twice in one): one review, if they agree; if not,
      // neither can be trusted and the date is left out.
      // Every row of a date with two codes is left out, the first one too.
      if (at->differs || at->code != r.code) {
        if (!at->differs) {
          child->left_out.push_back(
              {"review.years_differ",
               absl::StrCat(Where(at->source), ": the review on ", c.Get(row, "REVIEW"),
                            " has code ", at->code, ", ", Where(source), " has ", r.code,
                            ": the review is left out"),
               Where(at->source)});
          at->differs = true;
        }
        child->left_out.push_back(
            {"review.years_differ",
             absl::StrCat(Where(source), ": the review on ", c.Get(row, "REVIEW"), " has code ",
                          r.code, ", ", Where(at->source), " has ", at->code,
                          ": the review is left out"),
             Where(source)});
      }
      continue;
    }
    child->reviews.insert(at, std::move(r));
  }
}

}  // namespace

absl::Status AddYear(int year, const CsvTable* header, const CsvTable* episodes,
                     const CsvTable* reviews, Returns* returns) {
  if (!returns->years.empty() && year <= returns->years.back()) {
    return absl::InvalidArgumentError(
        absl::StrCat("year ", year, ": years must be added in order, each once (the last was ",
                     returns->years.back(), ")"));
  }
  std::optional<Columns> h, e, r;
  if (header != nullptr) {
    auto c = Columns::Of(*header, {"CHILD", "SEX", "DOB", "ETHNIC"}, {"UPN", "MOTHER", "MC_DOB"});
    if (!c.ok()) return c.status();
    h = std::move(*c);
  }
  if (episodes != nullptr) {
    auto c = Columns::Of(*episodes,
                         {"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                          "REC", "REASON_PLACE_CHANGE"},
                         {"HOME_POST", "PL_POST", "URN"});
    if (!c.ok()) return c.status();
    e = std::move(*c);
  }
  if (reviews != nullptr) {
    auto c = Columns::Of(*reviews, {"CHILD", "REVIEW", "REVIEW_CODE"}, {"DOB"});
    if (!c.ok()) return c.status();
    r = std::move(*c);
  }
  if (h) AddHeader(*header, *h, year, returns);
  if (e) AddEpisodes(*episodes, *e, year, returns);
  if (r) AddReviews(*reviews, *r, year, returns);
  returns->years.push_back(year);
  return absl::OkStatus();
}

}  // namespace footprint::import903
