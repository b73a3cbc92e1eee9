// ListPager: paging of a report's long list (queries.proto, ListPaging), every page of one
// listing computed from the same state of the read model.
//
// The first page is computed from the view as it is; when the list does not fit, that state
// (an immutable ChildMap snapshot, which shares every unchanged record with the live view) is
// kept, under its position, for the pages that follow. The next page token names the position,
// the offset of the next item, the first request's options and its resolved dates. A later
// page finds the state again by position; since the view at a position is a function of the
// log up to it, the live view at the same position serves as well (e.g. after a restart). A
// state is dropped `keep` after its last page was served, or when `capacity` newer listings
// are kept; the page that needs it then is refused with ABORTED.
//
// Memory: a kept state costs the map of children (about 100 bytes a child) plus the records
// changed since, so capacity bounds it. Clear() drops every kept state (after a rebuild, whose
// records share nothing with the old ones).
//
// Thread-safety: thread-safe.
#ifndef FOOTPRINT_SERVICES_LIST_PAGER_H_
#define FOOTPRINT_SERVICES_LIST_PAGER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/clock.h"
#include "footprint/v1/queries.pb.h"
#include "google/protobuf/message.h"
#include "projections/council_view.h"
#include "projections/reports.h"

namespace footprint::services {

class ListPager {
 public:
  static constexpr int kDefaultPageSize = 500;
  static constexpr int kMaxPageSize = 10000;
  static constexpr size_t kDefaultCapacity = 8;
  static constexpr absl::Duration kDefaultKeep = absl::Minutes(10);

  // `clock` is not owned.
  explicit ListPager(const Clock* clock, size_t capacity = kDefaultCapacity,
                     absl::Duration keep = kDefaultKeep)
      : clock_(clock), capacity_(capacity), keep_(keep) {}

  // What one page is computed from.
  struct Page {
    std::shared_ptr<const projections::ChildMap> children;
    uint64_t position = 0;
    projections::ListRange range;
    // A later page: the dates the first page resolved (YYYY-MM-DD; empty if that request left
    // them unset and the report has no such date). Empty for a first page.
    bool continued = false;
    std::string as_at, from, to;
  };

  // The page `paging` asks for, of the listing started by `request` (the request without its
  // paging). INVALID_ARGUMENT for a negative page_size, a token this server did not issue, or
  // one issued for a different request; ABORTED when the listing's state is no longer kept.
  absl::StatusOr<Page> Open(const v1::ListPaging& paging, const google::protobuf::Message& request,
                            const projections::CouncilView& view);

  // After computing `page` (a list of `list_length` items, with these resolved dates): the
  // token of the next page, empty when this page was the last. Keeps the page's state.
  std::string Next(const Page& page, size_t list_length, const google::protobuf::Message& request,
                   const std::string& as_at, const std::string& from, const std::string& to);

  // Drops every kept state.
  void Clear();
  // The number of states kept.
  size_t kept() const;

 private:
  struct Kept {
    std::shared_ptr<const projections::ChildMap> children;
    absl::Time last_used;
    uint64_t use = 0;  // the order of last use
  };
  void ExpireLocked(absl::Time now);

  const Clock* const clock_;
  const size_t capacity_;
  const absl::Duration keep_;
  mutable std::mutex mu_;
  std::map<uint64_t, Kept> kept_;  // by position; Guarded by mu_.
  uint64_t uses_ = 0;              // Guarded by mu_.
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_LIST_PAGER_H_
