// ListPager: the pages of one listing come from the state its first page was computed from,
// tokens are checked against the request, and kept states expire (manual clock) or give way to
// newer listings, after which a later page is refused with ABORTED.
#include "services/list_pager.h"

#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "eventstore/testing/manual_clock.h"
#include "footprint/v1/queries.pb.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;
using footprint::testing::ManualClock;

absl::Time Start() {
  return absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), absl::UTCTimeZone());
}

// Adds a child who became looked after on `date`, as the log's event at `position`.
void AddChild(pj::CouncilView* view, const std::string& child, uint64_t position) {
  pj::CouncilView::Additions additions;
  pj::CouncilView::ChildEventAdded added;
  added.id = "e-" + child;
  added.body.set_child_id(child);
  added.body.set_occurred_on("2026-03-02");
  auto* started = added.body.mutable_period_of_care_started();
  started->set_legal_status("C2");
  started->mutable_placement()->set_type("U1");
  started->set_date_of_birth("2014-05-06");
  added.version = 1;
  added.position = position;
  additions[child].push_back(std::move(added));
  view->Update(additions, position + 1);
}

v1::ListPaging Paging(int page_size, const std::string& token = "") {
  v1::ListPaging paging;
  paging.set_page_size(page_size);
  paging.set_page_token(token);
  return paging;
}

absl::StatusOr<ListPager::Page> Ask(ListPager& pager, const v1::ListPaging& paging,
                                    const google::protobuf::Message& request,
                                    const pj::CouncilView& view) {
  return pager.Open(&paging, request, view);
}

v1::PlacementsRequest Request(const std::string& as_at) {
  v1::PlacementsRequest request;
  request.mutable_scope()->set_as_at(as_at);
  return request;
}

TEST_CASE("page sizes: 0 is the default, larger than the maximum is the maximum", "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  const auto request = Request("2026-03-31");
  auto page = Ask(pager, Paging(0), request, view);
  REQUIRE(page.ok());
  CHECK(page->range.offset == 0);
  CHECK(page->range.limit == 250);
  CHECK_FALSE(page->continued);
  page = Ask(pager, Paging(7), request, view);
  REQUIRE(page.ok());
  CHECK(page->range.limit == 7);
  page = Ask(pager, Paging(20000), request, view);
  REQUIRE(page.ok());
  CHECK(page->range.limit == 10000);
  page = Ask(pager, Paging(-1), request, view);
  CHECK(page.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(page.status().message() == "paging.page_size: must not be negative (got -1)");
}

TEST_CASE("every page of a listing comes from the state of its first page", "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  AddChild(&view, "K1", 0);
  AddChild(&view, "K2", 1);
  const auto request = Request("2026-03-31");

  auto first = Ask(pager, Paging(5), request, view);
  REQUIRE(first.ok());
  CHECK(first->position == 2);
  CHECK(first->children->size() == 2);
  // A list of 12 items: pages of 5, 5 and 2.
  const std::string token = pager.Next(*first, 12, request, "2026-03-31", "2026-04-01", "");
  REQUIRE_FALSE(token.empty());
  CHECK(pager.kept() == 1);

  // The view moves on; the next page is still computed from the first page's state.
  AddChild(&view, "K3", 2);
  REQUIRE(view.position() == 3);
  clock.Advance(absl::Minutes(9));
  auto second = Ask(pager, Paging(5, token), request, view);
  REQUIRE(second.ok());
  CHECK(second->continued);
  CHECK(second->position == 2);
  CHECK(second->children == first->children);
  CHECK(second->range.offset == 5);
  CHECK(second->range.limit == 5);
  CHECK(second->as_at == "2026-03-31");
  CHECK(second->from == "2026-04-01");
  CHECK(second->to.empty());

  // The page size may change from one page to the next.
  const std::string third_token =
      pager.Next(*second, 12, request, second->as_at, second->from, second->to);
  REQUIRE_FALSE(third_token.empty());
  clock.Advance(absl::Minutes(9));  // 18 minutes since the first page, 9 since the last
  auto third = Ask(pager, Paging(100, third_token), request, view);
  REQUIRE(third.ok());
  CHECK(third->range.offset == 10);
  CHECK(third->range.limit == 100);
  CHECK(third->children == first->children);
  CHECK(pager.Next(*third, 12, request, third->as_at, third->from, third->to).empty());
}

TEST_CASE("a list that fits one page keeps nothing", "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  const auto request = Request("2026-03-31");
  auto page = Ask(pager, Paging(5), request, view);
  REQUIRE(page.ok());
  CHECK(pager.Next(*page, 5, request, "2026-03-31", "", "").empty());
  CHECK(pager.Next(*page, 0, request, "2026-03-31", "", "").empty());
  // The counts only (limit 0) never has a next page.
  page->range = pj::ListRange::None();
  CHECK(pager.Next(*page, 50, request, "2026-03-31", "", "").empty());
  CHECK(pager.kept() == 0);
}

TEST_CASE("a token is refused for another request, and when it is not one", "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  const auto request = Request("2026-03-31");
  auto page = Ask(pager, Paging(2), request, view);
  REQUIRE(page.ok());
  const std::string token = pager.Next(*page, 3, request, "2026-03-31", "", "");
  REQUIRE_FALSE(token.empty());

  auto other = Request("2026-03-30");
  auto refused = Ask(pager, Paging(2, token), other, view);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(refused.status().message() ==
        "paging.page_token: belongs to a listing begun with other options (they differ in "
        "scope.as_at); a later page must repeat the first request's options, or start again "
        "without a token");
  other.set_three_or_more_only(true);
  refused = Ask(pager, Paging(2, token), other, view);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(refused.status().message(),
                          "(they differ in scope.as_at, three_or_more_only)"));

  refused = Ask(pager, Paging(2, token), v1::PlacementsRequest(), view);  // no scope at all
  CHECK(absl::StrContains(refused.status().message(), "(they differ in scope)"));

  for (const std::string& bad :
       {std::string("not a token!"), std::string("AAAA"), token.substr(0, token.size() / 2)}) {
    INFO(bad);
    auto garbled = Ask(pager, Paging(2, bad), request, view);
    CHECK(garbled.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(garbled.status().message(), "paging.page_token: not a page token"));
  }
  // The right one still works.
  CHECK(Ask(pager, Paging(2, token), request, view).ok());
}

TEST_CASE("a state is dropped after ten idle minutes, for newer listings, or by Clear",
          "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock, /*capacity=*/2);
  pj::CouncilView view;
  const auto request = Request("2026-03-31");
  // Three listings, each at its own position.
  std::string tokens[3];
  for (int i = 0; i < 3; ++i) {
    AddChild(&view, "K" + std::to_string(i), static_cast<uint64_t>(i));
    auto page = Ask(pager, Paging(1), request, view);
    REQUIRE(page.ok());
    REQUIRE(page->position == static_cast<uint64_t>(i + 1));
    tokens[i] = pager.Next(*page, 2, request, "2026-03-31", "", "");
  }
  CHECK(pager.kept() == 2);
  // The oldest gave way to the two newer ones.
  auto gone = Ask(pager, Paging(1, tokens[0]), request, view);
  CHECK(gone.status().code() == absl::StatusCode::kAborted);
  CHECK(gone.status().message() ==
        "paging.page_token: the read model at position 1, which this listing began from, is no "
        "longer kept (a listing is kept 10m after its last page, until much has changed or other "
        "listings displace it, or a rebuild); start the listing again without page_token");
  CHECK(Ask(pager, Paging(1, tokens[1]), request, view).ok());

  // Ten minutes after its last use a state is still kept; a moment later it is not.
  clock.Advance(absl::Minutes(10));
  CHECK(Ask(pager, Paging(1, tokens[1]), request, view).ok());
  clock.Advance(absl::Minutes(10) + absl::Seconds(1));
  CHECK(Ask(pager, Paging(1, tokens[1]), request, view).status().code() ==
        absl::StatusCode::kAborted);
  CHECK(pager.kept() == 0);

  // The live view at the listing's position serves it, kept or not (the view at a position is
  // the same whenever it is taken).
  auto live = Ask(pager, Paging(1, tokens[2]), request, view);
  REQUIRE(live.ok());
  CHECK(live->position == 3);
  CHECK(live->children == view.Snapshot());

  // Clear drops what is kept, and a page opened before it does not bring its state back.
  auto before_clear = Ask(pager, Paging(1), request, view);
  REQUIRE(before_clear.ok());
  REQUIRE_FALSE(pager.Next(*before_clear, 2, request, "2026-03-31", "", "").empty());
  REQUIRE(pager.kept() == 1);
  auto opened = Ask(pager, Paging(1), request, view);
  REQUIRE(opened.ok());
  pager.Clear();
  CHECK(pager.kept() == 0);
  const std::string after = pager.Next(*opened, 2, request, "2026-03-31", "", "");
  CHECK_FALSE(after.empty());
  CHECK(pager.kept() == 0);
  AddChild(&view, "K9", 3);
  CHECK(Ask(pager, Paging(1, after), request, view).status().code() == absl::StatusCode::kAborted);
}

TEST_CASE("a request without paging gets the whole list, and nothing is kept", "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  AddChild(&view, "K1", 0);
  const auto request = Request("2026-03-31");
  auto page = pager.Open(nullptr, request, view);
  REQUIRE(page.ok());
  CHECK(page->range.offset == 0);
  CHECK(page->range.limit == std::numeric_limits<size_t>::max());
  CHECK(page->position == 1);
  CHECK(pager.Next(*page, 100000, request, "2026-03-31", "", "").empty());
  CHECK(pager.kept() == 0);
}

TEST_CASE("a state is dropped when much of the view changed, or the view was replaced",
          "[list_pager]") {
  ManualClock clock(Start());
  ListPager pager(&clock);
  pj::CouncilView view;
  view.SetPublishListener([&pager](size_t changed, size_t children, bool replaced) {
    pager.OnPublished(changed, children, replaced);
  });
  const auto request = Request("2026-03-31");
  AddChild(&view, "K0", 0);
  auto page = Ask(pager, Paging(1), request, view);
  REQUIRE(page.ok());
  const std::string token = pager.Next(*page, 2, request, "2026-03-31", "", "");
  REQUIRE(pager.kept() == 1);
  // A view this small keeps a state until more than 100 children changed since.
  for (int i = 1; i <= 100; ++i) {
    AddChild(&view, "K" + std::to_string(i), static_cast<uint64_t>(i));
  }
  CHECK(pager.kept() == 1);
  CHECK(Ask(pager, Paging(1, token), request, view).ok());
  AddChild(&view, "K101", 101);
  CHECK(pager.kept() == 0);
  CHECK(Ask(pager, Paging(1, token), request, view).status().code() == absl::StatusCode::kAborted);

  // A replaced view (a rebuild, a reload) drops every state: none shares its records.
  auto again = Ask(pager, Paging(1), request, view);
  REQUIRE(again.ok());
  REQUIRE_FALSE(pager.Next(*again, 2, request, "2026-03-31", "", "").empty());
  REQUIRE(pager.kept() == 1);
  view.Replace(pj::CouncilView::Records{}, view.position(), 1);
  CHECK(pager.kept() == 0);
}

TEST_CASE("a token of another server process is refused with ABORTED", "[list_pager]") {
  ManualClock clock(Start());
  pj::CouncilView view;
  const auto request = Request("2026-03-31");
  ListPager before_restart(&clock);
  auto page = Ask(before_restart, Paging(1), request, view);
  REQUIRE(page.ok());
  const std::string token = before_restart.Next(*page, 2, request, "2026-03-31", "", "");
  REQUIRE_FALSE(token.empty());
  ListPager after_restart(&clock);
  auto refused = Ask(after_restart, Paging(1, token), request, view);
  CHECK(refused.status().code() == absl::StatusCode::kAborted);
  CHECK(refused.status().message() ==
        "paging.page_token: the server restarted since this listing began; start the listing "
        "again without page_token");
  // The view is at the token's position, yet another process's view is not trusted to equal it.
  CHECK(view.position() == page->position);
}

}  // namespace
}  // namespace footprint::services
