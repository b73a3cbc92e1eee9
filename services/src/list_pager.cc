#include "services/list_pager.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace footprint::services {
namespace {

// The request's bytes, the same for the same fields whatever the order they were set in.
std::string Canonical(const google::protobuf::Message& request) {
  std::string bytes;
  google::protobuf::io::StringOutputStream raw(&bytes);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.SetSerializationDeterministic(true);
  request.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

absl::Status NotOurs() {
  return absl::InvalidArgumentError(
      "paging.page_token: not a page token this server issued; start the listing again without "
      "one");
}

}  // namespace

absl::StatusOr<ListPager::Page> ListPager::Open(const v1::ListPaging& paging,
                                                const google::protobuf::Message& request,
                                                const projections::CouncilView& view) {
  if (paging.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("paging.page_size: must not be negative (got ", paging.page_size(), ")"));
  }
  Page page;
  page.range.limit = paging.page_size() == 0
                         ? kDefaultPageSize
                         : static_cast<size_t>(std::min(paging.page_size(), kMaxPageSize));
  if (paging.page_token().empty()) {
    projections::CouncilView::Published current = view.Current();
    page.children = std::move(current.children);
    page.position = current.position;
    return page;
  }
  std::string bytes;
  v1::PageToken token;
  if (!absl::WebSafeBase64Unescape(paging.page_token(), &bytes) || !token.ParseFromString(bytes) ||
      token.offset() < 0) {
    return NotOurs();
  }
  if (token.request() != Canonical(request)) {
    return absl::InvalidArgumentError(
        "paging.page_token: belongs to a listing with other options; repeat the options of its "
        "first request, or start again without a token");
  }
  page.position = token.position();
  page.range.offset = static_cast<size_t>(token.offset());
  page.continued = true;
  page.as_at = token.as_at();
  page.from = token.from();
  page.to = token.to();
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_->Now();
    ExpireLocked(now);
    auto it = kept_.find(token.position());
    if (it != kept_.end()) {
      it->second.last_used = now;
      it->second.use = ++uses_;
      page.children = it->second.children;
      return page;
    }
  }
  projections::CouncilView::Published current = view.Current();
  if (current.position == token.position()) {
    page.children = std::move(current.children);
    return page;
  }
  return absl::AbortedError(absl::StrCat(
      "paging.page_token: the read model at position ", token.position(),
      ", which this listing started from, is no longer kept (a listing is kept for ",
      absl::FormatDuration(keep_),
      " after its last page, while few others are open); start the listing again without "
      "page_token"));
}

std::string ListPager::Next(const Page& page, size_t list_length,
                            const google::protobuf::Message& request, const std::string& as_at,
                            const std::string& from, const std::string& to) {
  const size_t end = page.range.offset + std::min(page.range.limit, list_length);
  if (page.range.limit == 0 || end >= list_length) return "";
  v1::PageToken token;
  token.set_position(page.position);
  token.set_offset(static_cast<int64_t>(end));
  token.set_request(Canonical(request));
  token.set_as_at(as_at);
  token.set_from(from);
  token.set_to(to);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_->Now();
    ExpireLocked(now);
    Kept& kept = kept_[page.position];
    if (kept.children == nullptr) kept.children = page.children;
    kept.last_used = now;
    kept.use = ++uses_;
    // Over capacity: drop the state used longest ago.
    while (kept_.size() > capacity_) {
      auto oldest = std::min_element(kept_.begin(), kept_.end(), [](const auto& a, const auto& b) {
        return a.second.use < b.second.use;
      });
      kept_.erase(oldest);
    }
  }
  return absl::WebSafeBase64Escape(token.SerializeAsString());
}

void ListPager::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  kept_.clear();
}

size_t ListPager::kept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kept_.size();
}

void ListPager::ExpireLocked(absl::Time now) {
  for (auto it = kept_.begin(); it != kept_.end();) {
    if (now - it->second.last_used > keep_) {
      it = kept_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace footprint::services
