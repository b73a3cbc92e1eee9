// ListPager: paging of a report's long list (queries.proto, ListPaging), every page of one
// listing computed from the same state of the read model.
//
// A request without `paging` gets the whole list, as before paging existed. With `paging`, the
// first page is computed from the view as it is; when the list does not fit, that state (an
// immutable ChildMap snapshot, which shares every unchanged record with the live view) is kept,
// under its log position, for the pages that follow. The next page token names this server
// process, the position, the offset of the next item, the first request's options and its
// resolved dates. A later page finds the state again by position; the live view at the same
// position serves as well (the view at a position is a function of the log up to it, within
// one process: same binary, same settings). A token of another process (the server restarted)
// is refused with ABORTED, as is one whose state was dropped.
//
// Memory: a kept state costs its map of children (about 150 bytes a child, with its index)
// plus the records changed since it was taken. It is dropped when
//   - `keep` has passed since its last page (checked on every page and every publication of
//     the view, so an idle server holds at most what it held when it went idle: the records
//     did not change since);
//   - the children changed since it was taken exceed a tenth of the view (at least 100), so a
//     burst of writes (an import) never pins many old records;
//   - `capacity` other positions were used since (least recently used first);
//   - the view is replaced whole (a rebuild or a reload): OnPublished(replaced = true).
// Expiry reads the injected clock (the system clock in footprintd): a step of the wall clock
// shortens or lengthens how long a listing is kept.
//
// Thread-safety: thread-safe.
#ifndef FOOTPRINT_SERVICES_LIST_PAGER_H_
#define FOOTPRINT_SERVICES_LIST_PAGER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "eventstore/clock.h"
#include "footprint/v1/queries.pb.h"
#include "google/protobuf/message.h"
#include "projections/council_view.h"
#include "projections/reports.h"

namespace footprint::services {

class ListPager {
 public:
  static constexpr int kDefaultPageSize = 250;
  static constexpr int kMaxPageSize = 10000;
  static constexpr size_t kDefaultCapacity = 4;
  static constexpr absl::Duration kDefaultKeep = absl::Minutes(10);

  // `clock` is not owned.
  explicit ListPager(const Clock* clock, size_t capacity = kDefaultCapacity,
                     absl::Duration keep = kDefaultKeep);

  // What one page is computed from.
  struct Page {
    std::shared_ptr<const projections::ChildMap> children;
    uint64_t position = 0;
    projections::ListRange range;
    // A later page: the dates the first page resolved (YYYY-MM-DD; empty where the report has
    // no such date). False for a first page and for a request without paging.
    bool continued = false;
    std::string as_at, from, to;
    uint64_t generation = 0;  // of the kept states, when opened
  };

  // The page `paging` asks for (nullptr: the request had no paging; the whole list) of the
  // listing started by `request` (the request without its paging). INVALID_ARGUMENT for a
  // negative page_size, a token this server did not issue, or one issued for a request with
  // other options (naming them); ABORTED when the listing's state is no longer kept, or the
  // token is from before a restart.
  absl::StatusOr<Page> Open(const v1::ListPaging* paging, const google::protobuf::Message& request,
                            const projections::CouncilView& view);

  // After computing `page` (a list of `list_length` items, with these resolved dates): the
  // token of the next page, empty when this page was the last. Keeps the page's state.
  std::string Next(const Page& page, size_t list_length, const google::protobuf::Message& request,
                   const std::string& as_at, const std::string& from, const std::string& to);

  // The view published a new state: `changed` children's records changed (of `children` in
  // the view now), or, with `replaced`, every record is new. Expires what is due.
  void OnPublished(size_t changed, size_t children, bool replaced);

  // Drops every kept state.
  void Clear();
  // The number of states kept.
  size_t kept() const;

 private:
  struct Kept {
    std::shared_ptr<const projections::ChildMap> children;
    absl::Time last_used;
    uint64_t use = 0;    // the order of last use
    size_t changed = 0;  // children changed in the view since it was kept
  };
  void ExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const size_t capacity_;
  const absl::Duration keep_;
  const uint64_t instance_;  // this process's pager, named in its tokens
  mutable base::Mutex mu_;
  std::map<uint64_t, Kept> kept_ ABSL_GUARDED_BY(mu_);  // by position
  uint64_t uses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // grows with each Clear
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_LIST_PAGER_H_
