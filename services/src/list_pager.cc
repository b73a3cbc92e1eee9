#include "services/list_pager.h"

#include <algorithm>
#include <limits>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/england_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"

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

// The fields in which `now` differs from the request that began the listing, e.g.
// "scope.as_at, three_or_more_only".
std::string Differences(const google::protobuf::Message& began,
                        const google::protobuf::Message& now) {
  using Differencer = google::protobuf::util::MessageDifferencer;
  using SpecificField = Differencer::SpecificField;
  class Collect : public Differencer::Reporter {
   public:
    explicit Collect(std::string* out) : out_(out) {}
    void ReportAdded(const google::protobuf::Message&, const google::protobuf::Message&,
                     const std::vector<SpecificField>& path) override {
      Add(path);
    }
    void ReportDeleted(const google::protobuf::Message&, const google::protobuf::Message&,
                       const std::vector<SpecificField>& path) override {
      Add(path);
    }
    void ReportModified(const google::protobuf::Message&, const google::protobuf::Message&,
                        const std::vector<SpecificField>& path) override {
      // A message is reported as modified as well as the fields in it: name only those.
      if (!path.empty() && path.back().field != nullptr &&
          path.back().field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        return;
      }
      Add(path);
    }

   private:
    void Add(const std::vector<SpecificField>& path) {
      std::string name;
      for (const SpecificField& f : path) {
        if (f.field == nullptr) continue;
        absl::StrAppend(&name, name.empty() ? "" : ".", f.field->name());
      }
      if (name.empty()) name = "an unknown field";
      absl::StrAppend(out_, out_->empty() ? "" : ", ", name);
    }
    std::string* out_;
  };
  std::string out;
  Collect collect(&out);
  Differencer differencer;
  differencer.ReportDifferencesTo(&collect);
  differencer.Compare(began, now);
  return out.empty() ? "fields this server cannot name" : out;
}

bool IsDateOrEmpty(const std::string& text) {
  return text.empty() || domain::ParseIsoDate(text, "date").ok();
}

}  // namespace

ListPager::ListPager(const Clock* clock, size_t capacity, absl::Duration keep)
    : clock_(clock),
      capacity_(capacity),
      keep_(keep),
      instance_(std::random_device{}() * uint64_t{0x100000000} ^ std::random_device{}()) {}

absl::StatusOr<ListPager::Page> ListPager::Open(const v1::ListPaging* paging,
                                                const google::protobuf::Message& request,
                                                const projections::CouncilView& view) {
  Page page;
  if (paging == nullptr) {  // the whole list, kept nowhere
    projections::CouncilView::Published current = view.Current();
    page.children = std::move(current.children);
    page.position = current.position;
    return page;
  }
  if (paging->page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("paging.page_size: must not be negative (got ", paging->page_size(), ")"));
  }
  page.range.limit = paging->page_size() == 0
                         ? kDefaultPageSize
                         : static_cast<size_t>(std::min(paging->page_size(), kMaxPageSize));
  if (paging->page_token().empty()) {
    projections::CouncilView::Published current = view.Current();
    page.children = std::move(current.children);
    page.position = current.position;
    base::MutexLock lock(&mu_);
    page.generation = generation_;
    return page;
  }
  std::string bytes;
  v1::PageToken token;
  if (!absl::WebSafeBase64Unescape(paging->page_token(), &bytes) || !token.ParseFromString(bytes) ||
      token.offset() < 0 || !IsDateOrEmpty(token.as_at()) || !IsDateOrEmpty(token.from()) ||
      !IsDateOrEmpty(token.to())) {
    return NotOurs();
  }
  if (token.request() != Canonical(request)) {
    std::unique_ptr<google::protobuf::Message> began(request.New());
    if (!began->ParseFromString(token.request())) return NotOurs();
    return absl::InvalidArgumentError(absl::StrCat(
        "paging.page_token: belongs to a listing begun with other options (they differ in ",
        Differences(*began, request),
        "); a later page must repeat the first request's options, or start again without a "
        "token"));
  }
  if (token.server() != instance_) {
    return absl::AbortedError(
        "paging.page_token: the server restarted since this listing began; start the listing "
        "again without page_token");
  }
  page.position = token.position();
  page.range.offset = static_cast<size_t>(token.offset());
  page.continued = true;
  page.as_at = token.as_at();
  page.from = token.from();
  page.to = token.to();
  {
    base::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    ExpireLocked(now);
    page.generation = generation_;
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
      ", which this listing began from, is no longer kept (a listing is kept ",
      absl::FormatDuration(keep_),
      " after its last page, until much has changed or other listings displace it, or a "
      "rebuild); start the listing again without page_token"));
}

std::string ListPager::Next(const Page& page, size_t list_length,
                            const google::protobuf::Message& request, const std::string& as_at,
                            const std::string& from, const std::string& to) {
  if (page.range.limit == 0 || page.range.limit >= list_length ||
      page.range.offset >= list_length - page.range.limit) {
    return "";  // this page reaches the end of the list
  }
  v1::PageToken token;
  token.set_server(instance_);
  token.set_position(page.position);
  token.set_offset(static_cast<int64_t>(page.range.offset + page.range.limit));
  token.set_request(Canonical(request));
  token.set_as_at(as_at);
  token.set_from(from);
  token.set_to(to);
  {
    base::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    ExpireLocked(now);
    // A page opened before a Clear does not bring back the state the Clear dropped (its next
    // page is served by the live view at the same position, or refused).
    if (page.generation == generation_) {
      Kept& kept = kept_[page.position];
      if (kept.children == nullptr) kept.children = page.children;
      kept.last_used = now;
      kept.use = ++uses_;
      // Over capacity: drop the state used longest ago.
      while (kept_.size() > capacity_) {
        auto oldest = std::min_element(
            kept_.begin(), kept_.end(),
            [](const auto& a, const auto& b) { return a.second.use < b.second.use; });
        kept_.erase(oldest);
      }
    }
  }
  return absl::WebSafeBase64Escape(token.SerializeAsString());
}

void ListPager::OnPublished(size_t changed, size_t children, bool replaced) {
  base::MutexLock lock(&mu_);
  if (replaced) {
    ClearLocked();
    return;
  }
  const size_t limit = std::max<size_t>(100, children / 10);
  for (auto it = kept_.begin(); it != kept_.end();) {
    it->second.changed += changed;
    if (it->second.changed > limit) {
      it = kept_.erase(it);
    } else {
      ++it;
    }
  }
  ExpireLocked(clock_->Now());
}

void ListPager::Clear() {
  base::MutexLock lock(&mu_);
  ClearLocked();
}

void ListPager::ClearLocked() {
  kept_.clear();
  ++generation_;
}

size_t ListPager::kept() const {
  base::MutexLock lock(&mu_);
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
