// Properties of the children projection over a synthetic council recorded into a real store:
// the view built incrementally (several catch-ups as the log grows, and a restart between them)
// gives byte-identical reports to the view a fresh start builds and to the view rebuilt from
// zero, and two rebuilds agree; the read model is the directory of children; no count is negative;
// the section 20 cohort is always part of the looked-after cohort.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "eventstore/event_store.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "projections/child_stream.h"
#include "projections/council_view.h"
#include "projections/projection.h"
#include "projections/reports.h"
#include "projections/testing/synthetic_council.h"
#include "proto_bytes.h"
#include "store_dump.h"
#include "temp_dir.h"
#include "workflow/review_deadlines.h"

namespace footprint::projections {

namespace codes = domain::codes;
using domain::AddMonthsClamped;
using domain::ChildRecord;
using domain::EscalationPolicy;
using domain::FormatIsoDate;
using domain::PeriodOfCare;
using domain::WorkingCalendar;
namespace {

using footprint::testing::DeterministicBytes;
using footprint::testing::DumpReadModel;
using footprint::testing::TempDir;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Signed on purpose: days until a review is due (negative when overdue), and how many working
// days before a review its report arrived (negative when after).
bool MayBeNegative(const FieldDescriptor* field) {
  return field->name() == "days_until_due" || field->name() == "report_working_days_before";
}

// Every number in `message` (nested messages, repeated fields and map values included) that is
// not signed on purpose is >= 0; returns the path of the first that is not, or "".
std::string FirstNegative(const Message& message, const std::string& path) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string at = path + "." + field->name();
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      double value = 0;
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          value = field->is_repeated() ? reflection->GetRepeatedInt32(message, field, i)
                                       : reflection->GetInt32(message, field);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          value = static_cast<double>(field->is_repeated()
                                          ? reflection->GetRepeatedInt64(message, field, i)
                                          : reflection->GetInt64(message, field));
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          value = field->is_repeated() ? reflection->GetRepeatedDouble(message, field, i)
                                       : reflection->GetDouble(message, field);
          break;
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          const Message& sub = field->is_repeated()
                                   ? reflection->GetRepeatedMessage(message, field, i)
                                   : reflection->GetMessage(message, field);
          if (std::string bad = FirstNegative(sub, at); !bad.empty()) return bad;
          continue;
        }
        default:
          continue;
      }
      if (value < 0 && !MayBeNegative(field)) return at + " = " + std::to_string(value);
    }
  }
  return "";
}

absl::CivilDay CollectionYearStart(absl::CivilDay day) {
  return absl::CivilDay(day.month() >= 4 ? day.year() : day.year() - 1, 4, 1);
}

struct Reports {
  std::vector<std::unique_ptr<Message>> all;
  std::vector<std::string> names;
};

// Every report over several as-at dates, and every child's summary on the last date.
Reports AllReports(const ChildMap& children, const CouncilSettings& settings,
                   const std::vector<absl::CivilDay>& dates) {
  Reports out;
  const auto add = [&](const std::string& name, auto report) {
    INFO(name << ": " << report.status());
    REQUIRE(report.ok());
    out.names.push_back(name);
    out.all.push_back(std::make_unique<std::decay_t<decltype(*report)>>(std::move(*report)));
  };
  const ReportFilter all;
  for (absl::CivilDay as_at : dates) {
    const std::string on = FormatIsoDate(as_at);
    const absl::CivilDay year = CollectionYearStart(as_at);
    add("due " + on, ReviewsDue(children, as_at, 28, false, all, settings));
    add("overdue " + on, ReviewsDue(children, as_at, 28, true, all, settings));
    add("timeliness " + on, Timeliness(children, year, as_at, all, settings));
    add("escalations " + on, Escalations(children, as_at, year, as_at, all, settings));
    add("s20 " + on, Section20(children, as_at, std::nullopt, all, settings));
    add("s20 range " + on, Section20(children, as_at, AddMonthsClamped(as_at, -2), all, settings));
    add("placements " + on, Placements(children, as_at, all, settings));
    add("team North " + on,
        ReviewsDue(children, as_at, 60, false, ReportFilter{"", "North"}, settings));
  }
  for (const auto& [id, child] : children) {
    add("child " + id, Summarize(*child, dates.back(), settings));
  }
  return out;
}

// Asks for `whole`'s list 7 items at a time with `ask(range)` until a page comes back short:
// the pages together are `whole`'s list, and each page, without its list, is `whole` without
// its list. `list(report)` is the report's list.
template <typename Report, typename Ask, typename List>
void CheckPages(const Report& whole, Ask ask, List list) {
  constexpr size_t kPage = 7;
  Report joined = whole;
  const size_t length = static_cast<size_t>(list(&joined)->size());
  list(&joined)->Clear();
  Report bare = joined;
  // One page more than the list needs at most: pages that ignore the offset fail, not loop.
  for (size_t offset = 0; offset <= length + kPage; offset += kPage) {
    auto page = ask(ListRange{offset, kPage});
    REQUIRE(page.ok());
    const int size = list(&*page)->size();
    CHECK(size <= static_cast<int>(kPage));
    for (auto& item : *list(&*page)) *list(&joined)->Add() = std::move(item);
    list(&*page)->Clear();
    CHECK(DeterministicBytes(*page) == DeterministicBytes(bare));
    if (size < static_cast<int>(kPage)) break;
  }
  CHECK(DeterministicBytes(joined) == DeterministicBytes(whole));
}

void CheckIdentical(const Reports& a, const Reports& b, const char* what) {
  REQUIRE(a.all.size() == b.all.size());
  size_t differing = 0;
  for (size_t i = 0; i < a.all.size(); ++i) {
    REQUIRE(a.names[i] == b.names[i]);
    if (DeterministicBytes(*a.all[i]) != DeterministicBytes(*b.all[i])) {
      INFO(what << ": " << a.names[i] << " differs");
      CHECK(false);
      if (++differing > 5) break;
    }
  }
}

TEST_CASE("the children projection: incremental == rebuilt == rebuilt again, and sane reports",
          "[projection][property]") {
  testing::CouncilOptions options;
  options.seed = 2026;
  options.children = 400;
  options.start = absl::CivilDay(2016, 4, 1);
  options.end = absl::CivilDay(2026, 3, 31);
  const testing::SyntheticCouncil council = testing::GenerateCouncil(options, 2);
  REQUIRE(council.stats.events > 8000);
  auto requests = testing::ToAppendRequests(council, testing::AppendOrder::kByDate);

  TempDir dir;
  eventstore::StoreOptions store_options;
  store_options.data_dir = dir.Sub("data");
  auto opened = eventstore::EventStore::Open(store_options);
  REQUIRE(opened.ok());
  eventstore::EventStore& store = **opened;

  // As the server holds it: each child with its review timeline.
  const EscalationPolicy policy = EscalationPolicy::Default();
  CouncilSettings settings;
  settings.policy = &policy;
  settings.calendar = &WorkingCalendar::EnglandAndWales();
  // The view, projection and worker as a server holds them; a new Host over the same store is
  // what a restart of the server makes.
  struct Host {
    Host(eventstore::EventStore* on_store, const CouncilSettings& with_settings,
         size_t max_incremental = ChildrenProjection::kMaxIncremental)
        : view(with_settings.reviews, with_settings.calendar),
          projection(on_store, &view, max_incremental),
          // Small commits, so that after the first catch-up the view is updated child by child.
          worker(on_store, &projection, /*events_per_commit=*/100) {}
    CouncilView view;
    ChildrenProjection projection;
    ProjectionWorker worker;
  };
  auto host = std::make_unique<Host>(&store, settings);

  // The log grows in slices (the first big, the rest small) with a catch-up after each; after
  // the 0.9 slice the server restarts (its view is built from the log up to the checkpoint,
  // then the later slices are applied to it), and from then on every batch's changes wait
  // for the end of the catch-up to be shown (as a burst touching many children does).
  const std::vector<double> cuts = {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0};
  size_t done = 0;
  int catch_ups = 0;
  for (double cut : cuts) {
    if (cut == 0.95) host = std::make_unique<Host>(&store, settings, /*max_incremental=*/0);
    const size_t upto = static_cast<size_t>(cut * static_cast<double>(requests.size()));
    std::vector<eventstore::AppendRequest> slice(
        std::make_move_iterator(requests.begin() + static_cast<std::ptrdiff_t>(done)),
        std::make_move_iterator(requests.begin() + static_cast<std::ptrdiff_t>(upto)));
    done = upto;
    REQUIRE(testing::AppendAll(&store, std::move(slice)).ok());
    auto applied = host->worker.CatchUp();
    REQUIRE(applied.ok());
    ++catch_ups;
  }
  CouncilView& view = host->view;
  ProjectionWorker& worker = host->worker;
  REQUIRE(done == requests.size());
  REQUIRE(store.CommittedEnd().value == council.stats.events);
  REQUIRE(view.position() == council.stats.events);
  REQUIRE(view.Snapshot()->size() == council.children.size());

  const std::vector<absl::CivilDay> dates = {
      absl::CivilDay(2017, 3, 31),  absl::CivilDay(2018, 11, 5), absl::CivilDay(2020, 3, 31),
      absl::CivilDay(2021, 12, 24), absl::CivilDay(2023, 3, 31), absl::CivilDay(2024, 8, 30),
      absl::CivilDay(2025, 3, 31),  absl::CivilDay(2026, 3, 31)};

  const auto incremental_view = view.Snapshot();
  const Reports incremental = AllReports(*incremental_view, settings, dates);
  const auto incremental_model = DumpReadModel(store, worker.model());

  // The read model is the directory of children: each with the position of its first event.
  std::map<std::string, std::string> directory;
  eventstore::ChunkLimits everything;
  everything.max_events = everything.max_bytes = size_t{1} << 30;
  auto log = store.ReadAllEvents(eventstore::GlobalPosition{0}, {}, everything);
  REQUIRE(log.ok());
  REQUIRE(log->size() == council.stats.events);
  for (const v1::Event& event : *log) {
    std::string position;
    for (int shift = 56; shift >= 0; shift -= 8) {
      position.push_back(static_cast<char>((event.position() >> shift) & 0xff));
    }
    directory.try_emplace("c/" + event.stream().substr(6), position);  // "child-" + id
  }
  CHECK(directory.size() == council.children.size());
  CHECK(incremental_model == directory);

  // The review deadlines the deadline engine takes from the view's records (the server's
  // RecordLookup) are those of the records read back from each child's stream.
  {
    size_t with_deadlines = 0;
    for (const auto& [child, record] : *incremental_view) {
      auto stored = LoadChildRecord(store, child);
      REQUIRE(stored.ok());
      REQUIRE(record->event_count() == stored->event_count());
      auto from_view =
          workflow::ReviewDeadlines::DeadlinesOf(*record, settings.reviews, *settings.calendar, {});
      auto from_stream =
          workflow::ReviewDeadlines::DeadlinesOf(*stored, settings.reviews, *settings.calendar, {});
      REQUIRE(from_view.ok());
      REQUIRE(from_stream.ok());
      const auto lines = [](const std::vector<workflow::PendingDeadline>& pending) {
        std::vector<std::string> out;
        for (const auto& d : pending) {
          out.push_back(
              absl::StrCat(d.key, " ", FormatIsoDate(d.due_on), " ", absl::FormatTime(d.fires_at)));
        }
        return out;
      };
      INFO("child " << child);
      CHECK(lines(*from_view) == lines(*from_stream));
      with_deadlines += from_view->empty() ? 0 : 1;
    }
    // Not a vacuous comparison: the children looked after on the end date have deadlines.
    CHECK(with_deadlines > 50);
  }

  // A server started on this log builds the same view from it.
  {
    Host started(&store, settings);
    REQUIRE(started.worker.CatchUp().ok());
    CHECK(started.view.position() == council.stats.events);
    CheckIdentical(incremental, AllReports(*started.view.Snapshot(), settings, dates),
                   "incremental vs started afresh");
  }

  REQUIRE(worker.Rebuild().ok());
  const auto rebuilt_view = view.Snapshot();
  CHECK(rebuilt_view != incremental_view);  // a new view, not the old one kept
  const Reports rebuilt = AllReports(*rebuilt_view, settings, dates);
  CHECK(DumpReadModel(store, worker.model()) == incremental_model);
  CheckIdentical(incremental, rebuilt, "incremental vs rebuilt");

  REQUIRE(worker.Rebuild().ok());
  const Reports again = AllReports(*view.Snapshot(), settings, dates);
  CheckIdentical(rebuilt, again, "rebuilt vs rebuilt again");

  // The view's cached review timelines change no answer: the same children without them
  // (every due date computed directly) give the same reports.
  ChildMap direct;
  size_t with_timeline = 0;
  for (const auto& [id, child] : *view.Snapshot()) {
    with_timeline += child->review_timeline() != nullptr ? 1 : 0;
    auto copy = std::make_shared<ChildRecord>(*child);
    copy->set_review_timeline(nullptr);
    direct[id] = std::move(copy);
  }
  CHECK(with_timeline == council.children.size());
  CheckIdentical(again, AllReports(direct, settings, dates), "timelines vs direct");

  // Counts are never negative.
  for (size_t i = 0; i < rebuilt.all.size(); ++i) {
    const std::string negative = FirstNegative(*rebuilt.all[i], rebuilt.names[i]);
    INFO(negative);
    CHECK(negative.empty());
  }

  // The section 20 cohort is part of the looked-after cohort, on every date; and the reports
  // are not empty, so the properties are not vacuous.
  const ChildMap& children = *rebuilt_view;
  size_t s20_seen = 0, looked_after_seen = 0, open_challenges_seen = 0, three_or_more_seen = 0;
  for (size_t d = 0; d < dates.size(); ++d) {
    const absl::CivilDay as_at = dates[d];
    const auto& s20 = dynamic_cast<const v1::Section20Report&>(*rebuilt.all[d * 8 + 4]);
    const auto& s20_range = dynamic_cast<const v1::Section20Report&>(*rebuilt.all[d * 8 + 5]);
    const auto& placements = dynamic_cast<const v1::PlacementReport&>(*rebuilt.all[d * 8 + 6]);
    const auto& escalations = dynamic_cast<const v1::EscalationReport&>(*rebuilt.all[d * 8 + 3]);
    REQUIRE(rebuilt.names[d * 8 + 4] == "s20 " + FormatIsoDate(as_at));
    std::set<std::string> placed;
    for (const auto& item : placements.children()) placed.insert(item.child_id());
    size_t looked_after = 0;
    for (const auto& [id, child] : children) looked_after += child->LookedAfterOn(as_at) ? 1 : 0;
    CHECK(placements.looked_after() == static_cast<int>(looked_after));
    CHECK(placed.size() == looked_after);
    for (const auto* list : {&s20.children(), &s20.short_breaks()}) {
      for (const auto& item : *list) {
        INFO(FormatIsoDate(as_at) << " " << item.child_id());
        const ChildRecord& child = *children.at(item.child_id());
        CHECK(child.LookedAfterOn(as_at));
        CHECK(placed.count(item.child_id()) == 1);
        CHECK(codes::IsSection20(child.LegalStatusOn(as_at)));
        CHECK(item.legal_status() == child.LegalStatusOn(as_at));
      }
    }
    for (const auto& item : s20.children()) CHECK(item.legal_status() == "V2");
    // Over a range: looked after (and in s20) at some time in it.
    const absl::CivilDay from = AddMonthsClamped(as_at, -2);
    std::set<std::string> on_the_day;
    for (const auto& item : s20.children()) on_the_day.insert(item.child_id());
    std::set<std::string> in_range;
    for (const auto& item : s20_range.children()) in_range.insert(item.child_id());
    for (const std::string& id : on_the_day) CHECK(in_range.count(id) == 1);
    for (const std::string& id : in_range) {
      INFO(FormatIsoDate(as_at) << " range " << id);
      const ChildRecord& child = *children.at(id);
      bool in_care = false;
      for (const PeriodOfCare& p : child.periods()) {
        in_care = in_care || (p.start <= as_at && (!p.end || *p.end >= from));
      }
      CHECK(in_care);
    }
    s20_seen += s20.children_size();
    looked_after_seen += looked_after;
    open_challenges_seen += escalations.open_size();

    // The pages of a list (7 items a page), put together, are the whole list, and every page
    // carries the whole report's counts.
    const ReportFilter everyone;
    const auto& timeliness = dynamic_cast<const v1::TimelinessReport&>(*rebuilt.all[d * 8 + 2]);
    CHECK(timeliness.reviews_size() == timeliness.reviews_held());
    CheckPages(
        timeliness,
        [&](const ListRange& range) {
          return Timeliness(children, CollectionYearStart(as_at), as_at, everyone, settings, range);
        },
        [](v1::TimelinessReport* r) { return r->mutable_reviews(); });
    CheckPages(
        placements,
        [&](const ListRange& range) {
          return Placements(children, as_at, everyone, settings, range);
        },
        [](v1::PlacementReport* r) { return r->mutable_children(); });
    // Only those with 3 or more placements: the same counts, the list filtered.
    v1::PlacementReport three = placements;
    auto* listed = three.mutable_children();
    listed->erase(std::remove_if(listed->begin(), listed->end(),
                                 [](const v1::PlacementItem& c) { return !c.three_or_more(); }),
                  listed->end());
    CHECK(three.children_size() == three.three_or_more());
    CheckPages(
        three,
        [&](const ListRange& range) {
          return Placements(children, as_at, everyone, settings, range,
                            /*three_or_more_only=*/true);
        },
        [](v1::PlacementReport* r) { return r->mutable_children(); });
    three_or_more_seen += three.children_size();
  }
  CHECK(s20_seen > 0);
  CHECK(looked_after_seen > 0);
  CHECK(open_challenges_seen > 0);
  CHECK(three_or_more_seen > 0);
  CHECK(catch_ups == static_cast<int>(cuts.size()));
}

}  // namespace
}  // namespace footprint::projections
