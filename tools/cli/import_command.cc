#include "tools/cli/import_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "domain/codes.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "import903/csv.h"
#include "import903/import_plan.h"
#include "import903/returns.h"
#include "import903/validate.h"
#include "nlohmann/json.hpp"

namespace footprint::cli {
namespace {

namespace v1 = footprint::v1;
namespace fs = std::filesystem;
namespace im = footprint::import903;
using nlohmann::json;

struct ImportArgs {
  std::vector<std::string> paths;
  std::string rejects;
  std::string repairs_file;
  std::vector<std::string> repairs;
  std::string source = "ssda903-import";
  std::string actor;
  bool dry_run = false;
  bool strict = false;
  int jobs = 4;
};

struct YearFiles {
  std::string header, episodes, reviews;
};

std::string Lower(std::string text) { return absl::AsciiStrToLower(text); }

// The collection year and kind of a 903 file from its name: "2017-episodes.csv",
// "SSDA903_2017_episodes.CSV", "header_2017.csv". The name, split at '-', '_', '.' and spaces,
// must be a year (19xx or 20xx), one kind (header, episodes, reviews) and at most the words
// "ssda903" or "903": anything else ("rejects-2017-reviews.csv") is not a 903 file.
bool ClassifyFile(const fs::path& path, int* year, std::string* kind) {
  if (Lower(path.extension().string()) != ".csv") return false;
  const std::string stem = Lower(path.stem().string());
  int found_year = 0;
  std::string found_kind;
  for (absl::string_view token : absl::StrSplit(stem, absl::ByAnyChar("-_. "), absl::SkipEmpty())) {
    const bool is_year = token.size() == 4 && absl::c_all_of(token, absl::ascii_isdigit) &&
                         (absl::StartsWith(token, "19") || absl::StartsWith(token, "20"));
    if (is_year && found_year == 0) {
      found_year = std::stoi(std::string(token));
    } else if ((token == "header" || token == "episodes" || token == "reviews") &&
               found_kind.empty()) {
      found_kind = std::string(token);
    } else if (token != "ssda903" && token != "903") {
      return false;
    }
  }
  if (found_year == 0 || found_kind.empty()) return false;
  *year = found_year;
  *kind = found_kind;
  return true;
}

absl::CivilDay TodayInEngland() {
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) london = absl::UTCTimeZone();
  return absl::ToCivilDay(absl::Now(), london);
}

// The ids already recorded in a child's stream, and those of them this importer wrote (same
// source system). NOT_FOUND: nothing recorded yet.
grpc::Status RecordedIds(v1::EventStore::Stub* store, const Globals& g, const std::string& stream,
                         const std::string& source, std::set<std::string>* all,
                         std::set<std::string>* imported) {
  uint64_t from = 0;
  while (true) {
    grpc::ClientContext context;
    SetDeadline(&context, g);
    v1::ReadStreamRequest request;
    request.set_stream(stream);
    request.set_from_version(from);
    request.set_direction(v1::DIRECTION_FORWARDS);
    v1::ReadStreamResponse response;
    grpc::Status status = store->ReadStream(&context, request, &response);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return grpc::Status::OK;
    if (!status.ok()) return status;
    for (const v1::Event& event : response.events()) {
      all->insert(event.id());
      if (event.metadata().source_system() == source) imported->insert(event.id());
    }
    // A poster's pages skip others' events (and may be empty): go on until the stream ends.
    if (response.end_of_stream()) return grpc::Status::OK;
    from = response.next_version();
  }
}

class Progress {
 public:
  Progress(size_t total, bool enabled) : total_(total), enabled_(enabled) {}
  void Update(size_t done, size_t events) {
    if (!enabled_) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const int width = 30;
    const int filled = total_ == 0 ? width : static_cast<int>(width * done / total_);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu children, %.0f events/s",
                 std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(), done,
                 total_, seconds > 0 ? events / seconds : 0.0);
    std::fflush(stderr);
  }
  void Finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }

 private:
  size_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The files named on the command line (files, or directories of them), by collection year.
// INVALID_ARGUMENT (a usage error) for a name it cannot place, a second file of one kind for a
// year, or a directory it cannot list or that holds no 903 file.
absl::StatusOr<std::map<int, YearFiles>> CollectFiles(const std::vector<std::string>& paths) {
  std::map<int, YearFiles> years;
  for (const std::string& given : paths) {
    std::vector<fs::path> files;
    std::error_code error;
    if (fs::is_directory(given, error)) {
      fs::directory_iterator it(given, error);
      for (; !error && it != fs::directory_iterator(); it.increment(error)) {
        int year = 0;
        std::string kind;
        std::error_code file_error;  // an entry that went meanwhile is not a file
        if (it->is_regular_file(file_error) && ClassifyFile(it->path(), &year, &kind)) {
          files.push_back(it->path());
        }
      }
      if (error) {
        return absl::InvalidArgumentError(given +
                                          ": cannot list the directory: " + error.message());
      }
      if (files.empty()) {
        return absl::InvalidArgumentError(given +
                                          ": no 903 files (YYYY-header.csv, YYYY-episodes.csv, "
                                          "YYYY-reviews.csv) in this directory");
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(given);
    }
    for (const fs::path& file : files) {
      int year = 0;
      std::string kind;
      if (!ClassifyFile(file, &year, &kind)) {
        return absl::InvalidArgumentError(
            file.string() +
            ": the name must be the collection year and one of header, episodes, reviews "
            "(e.g. 2017-episodes.csv, SSDA903_2017_header.csv)");
      }
      std::string* slot = kind == "header"     ? &years[year].header
                          : kind == "episodes" ? &years[year].episodes
                                               : &years[year].reviews;
      if (!slot->empty()) {
        return absl::InvalidArgumentError(file.string() + ": a second " + kind + " file for " +
                                          std::to_string(year) + " (first: " + *slot + ")");
      }
      *slot = file.string();
    }
  }
  if (years.empty()) return absl::InvalidArgumentError("no 903 files given");
  return years;
}

// Every year's files read and pooled. INVALID_ARGUMENT (a usage error) for a file that cannot be
// read or is not a 903 table.
absl::StatusOr<im::Returns> LoadReturns(const std::map<int, YearFiles>& years) {
  im::Returns returns;
  for (const auto& [year, files] : years) {
    std::map<std::string, im::CsvTable> tables;
    for (const auto& [kind, path] : std::vector<std::pair<std::string, std::string>>{
             {"header", files.header}, {"episodes", files.episodes}, {"reviews", files.reviews}}) {
      if (path.empty()) continue;
      std::string text;
      if (!ReadWholeFile(path, &text)) {
        return absl::InvalidArgumentError(path + ": cannot read the file");
      }
      auto table = im::ParseCsv(text, path);
      if (!table.ok()) return absl::InvalidArgumentError(table.status().message());
      tables.emplace(kind, *std::move(table));
    }
    auto get = [&](const char* kind) -> const im::CsvTable* {
      auto it = tables.find(kind);
      return it == tables.end() ? nullptr : &it->second;
    };
    if (absl::Status s =
            im::AddYear(year, get("header"), get("episodes"), get("reviews"), &returns);
        !s.ok()) {
      return absl::InvalidArgumentError(s.message());
    }
  }
  return returns;
}

// The repairs to apply: the default ones (they only drop a value that cannot apply) unless
// --strict, and those asked for.
absl::StatusOr<std::set<std::string>> RepairsAskedFor(const std::vector<std::string>& asked,
                                                      bool strict) {
  std::set<std::string> repairs;
  if (!strict) {
    for (const char* r : im::kDefaultRepairs) repairs.insert(r);
  }
  for (const std::string& rule : asked) {
    if (rule == "all") {
      for (const char* r : im::kRepairableRules) repairs.insert(r);
      continue;
    }
    bool known = false;
    for (const char* r : im::kRepairableRules) known = known || rule == r;
    if (!known) {
      return absl::InvalidArgumentError("--repair: '" + rule + "' is not a repairable rule (" +
                                        absl::StrJoin(im::kRepairableRules, ", ") + ", or all)");
    }
    repairs.insert(rule);
  }
  return repairs;
}

// What the import sent, over the children recorded.
struct Tally {
  size_t imported = 0;        // children with new events recorded
  size_t already = 0;         // children whose every event was recorded before
  size_t without_events = 0;  // valid children whose files hold no episode or review
  size_t episodes = 0, reviews = 0, events = 0;  // new ones only

  Tally& operator+=(const Tally& o) {
    imported += o.imported;
    already += o.already;
    without_events += o.without_events;
    episodes += o.episodes;
    reviews += o.reviews;
    events += o.events;
    return *this;
  }
};

struct Stubs {
  std::unique_ptr<v1::Intake::Stub> intake;
  std::unique_ptr<v1::EventStore::Stub> store;
};

struct Sender {
  const Globals& g;
  const ImportArgs& a;
  Stubs stubs;
  std::string actor;
  std::string correlation_id;
};

// Records the events of `child` that are not recorded yet, in one all-or-nothing request. A
// child the server refuses (or whose recorded history differs from the files) gets the reason
// in `child->reasons` and nothing written. Any other error is returned: it stops the import.
grpc::Status RecordChild(const Sender& sender, im::ChildPlan* child, Tally* tally) {
  if (child->events.empty()) {
    ++tally->without_events;
    return grpc::Status::OK;
  }
  std::set<std::string> recorded, recorded_by_import;
  grpc::Status status = RecordedIds(sender.stubs.store.get(), sender.g,
                                    std::string(domain::kChildStreamPrefix) + child->child_id,
                                    sender.a.source, &recorded, &recorded_by_import);
  if (!status.ok()) {
    return grpc::Status(status.error_code(),
                        "reading child " + child->child_id + ": " + status.error_message());
  }
  std::set<std::string> planned;
  for (const im::PlannedEvent& e : child->events) planned.insert(e.event_id);
  for (const std::string& id : recorded_by_import) {
    if (planned.contains(id)) continue;
    child->reasons.push_back(
        {"import.history_differs", "event " + id +
                                       " imported before is not in these files (a row changed or "
                                       "went since); nothing of the child was written"});
    child->events.clear();
    return grpc::Status::OK;
  }
  std::vector<const im::PlannedEvent*> missing;
  for (const im::PlannedEvent& e : child->events) {
    if (!recorded.contains(e.event_id)) missing.push_back(&e);
  }
  if (missing.empty()) {
    ++tally->already;
    return grpc::Status::OK;
  }
  v1::RecordRequest request;
  request.set_child_id(child->child_id);
  request.set_source_system(sender.a.source);
  request.set_recorded_by(sender.actor);
  request.set_correlation_id(sender.correlation_id);
  for (const im::PlannedEvent* e : missing) {
    v1::Submission* submission = request.add_events();
    submission->set_event_id(e->event_id);
    *submission->mutable_event() = e->event;
  }
  v1::RecordResponse response;
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext context;
    SetDeadline(&context, sender.g);
    response.Clear();
    status = sender.stubs.intake->Record(&context, request, &response);
    if (status.error_code() != grpc::StatusCode::ABORTED) break;
  }
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::FAILED_PRECONDITION ||
      code == grpc::StatusCode::ALREADY_EXISTS || code == grpc::StatusCode::ABORTED) {
    // The intake names the event by its index in the request: say which row it came from.
    std::string detail = status.error_message();
    size_t index = 0;
    if (std::sscanf(detail.c_str(), "events[%zu]", &index) == 1 && index < missing.size()) {
      detail += " (" + missing[index]->from + ")";
    }
    child->reasons.push_back({"intake." + Lower(CodeName(code)), detail});
    child->events.clear();
    return grpc::Status::OK;
  }
  if (!status.ok()) {
    return grpc::Status(code, "recording child " + child->child_id + ": " + status.error_message());
  }
  if (response.duplicate()) {  // recorded meanwhile by another import of the same files
    ++tally->already;
    return grpc::Status::OK;
  }
  // Episodes and reviews new in this run: an episode is the row its start events come from (one
  // or two events); a period's end alone (an episode closed in a later year) is not a new one.
  std::set<std::string> episode_rows;
  for (const im::PlannedEvent* e : missing) {
    if (e->event.has_review_held()) {
      ++tally->reviews;
    } else if (!e->event.has_period_of_care_ended()) {
      episode_rows.insert(e->from);
    }
  }
  ++tally->imported;
  tally->episodes += episode_rows.size();
  tally->events += missing.size();
  return grpc::Status::OK;
}

// The rejects and repairs files, as far as the import got.
int WriteFiles(const im::ImportPlan& plan, const ImportArgs& a) {
  if (!a.rejects.empty()) {
    std::ofstream out(a.rejects, std::ios::binary | std::ios::trunc);
    out << im::RejectsCsv(plan);
    if (!out) return Fail("UNAVAILABLE", "--rejects: cannot write '" + a.rejects + "'");
  }
  if (!a.repairs_file.empty()) {
    std::ofstream out(a.repairs_file, std::ios::binary | std::ios::trunc);
    out << im::RepairsCsv(plan);
    if (!out) return Fail("UNAVAILABLE", "--repairs-file: cannot write '" + a.repairs_file + "'");
  }
  return 0;
}

struct ReadCounts {
  std::vector<int> years;
  size_t children = 0, episodes = 0, valid = 0;
};

void PrintSummary(const Globals& g, const ImportArgs& a, const ReadCounts& read,
                  const im::ImportPlan& plan, const Tally& t) {
  const auto rejected_by_rule = plan.RejectedByRule();
  const auto repairs_by_rule = plan.RepairsByRule();
  const auto left_out_by_rule = plan.LeftOutByRule();
  if (g.json) {
    json out{{"years", read.years},
             {"children_read", read.children},
             {"episodes_read", read.episodes},
             {"children_valid", read.valid},
             {"children_imported", t.imported},
             {"children_already_imported", t.already},
             {"children_without_events", t.without_events},
             {"episodes_imported", t.episodes},
             {"reviews_imported", t.reviews},
             {"events_imported", t.events},
             {"children_rejected", plan.rejected()},
             {"rejected_by_rule", rejected_by_rule},
             {"repairs_by_rule", repairs_by_rule},
             {"rows_left_out", plan.rows_left_out()},
             {"rows_left_out_by_rule", left_out_by_rule},
             {"children_start_not_known", plan.start_not_known()},
             {"rows_without_child", plan.orphan_rows.size()},
             {"dry_run", a.dry_run}};
    std::cout << out.dump() << '\n';
    return;
  }
  std::cout << "read " << read.years.size() << " collection year(s) " << read.years.front() << "-"
            << read.years.back() << ": " << read.children << " children, " << read.episodes
            << " episodes\n";
  if (a.dry_run) {
    std::cout << "dry run: " << read.valid << " children pass validation; nothing sent\n";
  } else {
    std::cout << "imported " << t.imported << " children (" << t.episodes << " episodes, "
              << t.reviews << " reviews, " << t.events << " events); " << t.already
              << " children already imported\n";
    if (t.without_events > 0) {
      std::cout << t.without_events << " children have no episode or review in these files\n";
    }
  }
  std::cout << "rejected " << plan.rejected() << " children";
  if (!a.rejects.empty()) std::cout << " (every reason in " << a.rejects << ")";
  std::cout << '\n';
  for (const auto& [rule, n] : rejected_by_rule) std::cout << "  " << rule << ": " << n << '\n';
  if (plan.start_not_known() > 0) {
    std::cout << plan.start_not_known()
              << " children were already looked after when the files begin: their first period "
                 "of care is recorded with its start not known\n";
  }
  if (!left_out_by_rule.empty()) {
    std::cout << "left out " << plan.rows_left_out() << " rows of children imported";
    if (!a.rejects.empty()) std::cout << " (listed in " << a.rejects << ")";
    std::cout << '\n';
    for (const auto& [rule, n] : left_out_by_rule) std::cout << "  " << rule << ": " << n << '\n';
  }
  if (!repairs_by_rule.empty()) {
    std::cout << "repairs applied";
    if (!a.repairs_file.empty()) std::cout << " (listed in " << a.repairs_file << ")";
    std::cout << '\n';
    for (const auto& [rule, n] : repairs_by_rule) std::cout << "  " << rule << ": " << n << '\n';
  }
  if (!plan.orphan_rows.empty()) {
    std::cout << plan.orphan_rows.size() << " rows without a CHILD id were skipped";
    if (!a.rejects.empty()) std::cout << " (listed in " << a.rejects << ")";
    std::cout << '\n';
  }
}

// Records the run's figures (Intake.RecordImportRun) for the reports' coverage. A failure is
// said on stderr; the import itself is done and its exit code unchanged.
void RecordRun(const Globals& g, const ImportArgs& a, const std::map<int, YearFiles>& years,
               const ReadCounts& read, const im::ImportPlan& plan, const Tally& t) {
  v1::RecordImportRunRequest request;
  v1::ImportRun& run = *request.mutable_run();
  run.set_source_system(a.source);
  for (int year : read.years) run.add_years(year);
  for (const auto& [year, files] : years) {
    for (const std::string* file : {&files.header, &files.episodes, &files.reviews}) {
      if (!file->empty()) run.add_files(fs::path(*file).filename().string());
    }
  }
  run.set_children_read(static_cast<uint32_t>(read.children));
  run.set_children_imported(static_cast<uint32_t>(t.imported));
  run.set_children_already_imported(static_cast<uint32_t>(t.already));
  run.set_children_rejected(static_cast<uint32_t>(plan.rejected()));
  run.set_children_without_events(static_cast<uint32_t>(t.without_events));
  run.set_rows_left_out(static_cast<uint32_t>(plan.rows_left_out()));
  for (const auto& [rule, n] : plan.RejectedByRule()) {
    (*run.mutable_children_rejected_by_rule())[rule] = static_cast<uint32_t>(n);
  }
  for (const auto& [rule, n] : plan.LeftOutByRule()) {
    (*run.mutable_rows_left_out_by_rule())[rule] = static_cast<uint32_t>(n);
  }
  for (const auto& [rule, n] : plan.RepairsByRule()) {
    (*run.mutable_repairs_by_rule())[rule] = static_cast<uint32_t>(n);
  }
  run.set_children_start_not_known(static_cast<uint32_t>(plan.start_not_known()));
  run.set_finished_at(absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  run.set_recorded_by(a.actor.empty() ? DefaultActor() : a.actor);
  auto stub = v1::Intake::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::RecordImportRunResponse response;
  const grpc::Status status = stub->RecordImportRun(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr,
                 "footprint: import-903: the import is done, but its summary was not recorded for "
                 "the reports (%s: %s)\n",
                 CodeName(status.error_code()).c_str(), status.error_message().c_str());
  }
}

int RunImport(const Globals& g, const ImportArgs& a) {
  auto years = CollectFiles(a.paths);
  if (!years.ok()) return UsageError(std::string(years.status().message()));
  auto returns = LoadReturns(*years);
  if (!returns.ok()) return UsageError(std::string(returns.status().message()));
  auto repairs = RepairsAskedFor(a.repairs, a.strict);
  if (!repairs.ok()) return UsageError(std::string(repairs.status().message()));

  ReadCounts read;
  for (const auto& [year, files] : *years) read.years.push_back(year);
  read.children = returns->children.size();
  for (const auto& [id, child] : returns->children) read.episodes += child.episodes.size();
  im::ValidationOptions options;
  options.today = TodayInEngland();
  options.repairs = *std::move(repairs);
  im::ImportPlan plan = im::MakePlan(*std::move(returns), options);
  read.valid = plan.accepted();  // before the intake's own refusals

  Tally tally;
  if (!a.dry_run) {
    auto channel = MakeChannel(g);
    const Sender sender{
        g, a, Stubs{v1::Intake::NewStub(channel), v1::EventStore::NewStub(channel)},
        a.actor.empty() ? DefaultActor() : a.actor,
        "import903-" + absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone())};
    // Children are independent (one request each, all-or-nothing in its own stream), so --jobs
    // of them are in flight at once: the server's group commit then syncs them together.
    std::vector<im::ChildPlan*> todo;
    for (im::ChildPlan& child : plan.children) {
      if (child.reasons.empty()) todo.push_back(&child);
    }
    Progress progress(todo.size(), !g.json && isatty(STDERR_FILENO) == 1);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    struct Shared {
      base::Mutex mu;
      grpc::Status first_error ABSL_GUARDED_BY(mu);
      size_t done ABSL_GUARDED_BY(mu) = 0;
    } shared;
    const auto work = [&] {
      while (!stop) {
        const size_t i = next++;
        if (i >= todo.size()) return;
        Tally mine;
        const grpc::Status status = RecordChild(sender, todo[i], &mine);
        base::MutexLock lock(&shared.mu);
        if (!status.ok()) {
          if (shared.first_error.ok()) shared.first_error = status;
          stop = true;
          return;
        }
        // The tally and the progress line are the workers' only other shared state, written
        // here under the lock and read after every worker has joined.
        tally += mine;
        progress.Update(++shared.done, tally.events);
      }
    };
    std::vector<std::thread> workers;
    try {
      for (int j = 1; j < a.jobs; ++j) workers.emplace_back(work);
    } catch (const std::system_error& e) {  // fewer threads: the ones started do the work
      std::fprintf(stderr, "footprint: import-903: started %zu of %d jobs (%s)\n",
                   workers.size() + 1, a.jobs, e.what());
    }
    work();
    for (std::thread& t : workers) t.join();
    progress.Finish();
    const grpc::Status first_error = [&] {
      base::MutexLock lock(&shared.mu);
      return shared.first_error;
    }();
    if (!first_error.ok()) {
      const int written = WriteFiles(plan, a);  // what was decided so far
      if (std::string why; NotReachable(first_error, &why)) return Fail(first_error);
      Fail(CodeName(first_error.error_code()), first_error.error_message() + " (stopped after " +
                                                   std::to_string(tally.imported) +
                                                   " children; running the import again is safe)");
      return written != 0 ? written : 1;
    }
  }
  if (const int failed = WriteFiles(plan, a); failed != 0) return failed;
  if (!a.dry_run) RecordRun(g, a, *years, read, plan, tally);
  PrintSummary(g, a, read, plan, tally);
  if (a.dry_run) return read.valid > 0 ? 0 : 1;
  return tally.imported + tally.already > 0 ? 0 : 1;
}

}  // namespace

std::function<int()> AddImportCommand(CLI::App& app, const Globals& g) {
  auto a = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand(
      "import-903", "record SSDA903 return files (header, episodes, reviews; any years)");
  cmd->add_option("PATH", a->paths,
                  "903 CSV files named with their year and kind (2017-episodes.csv), or "
                  "directories of them")
      ->required();
  cmd->add_option("--rejects", a->rejects, "write every reason of each rejected child (CSV)");
  cmd->add_option("--repairs-file", a->repairs_file, "write each repair applied (CSV)");
  cmd->add_option(
      "--repair", a->repairs,
      "repair RULE (" + absl::StrJoin(im::kRepairableRules, ", ") + ", or all); repeatable");
  cmd->add_flag("--strict", a->strict,
                "apply no repair not asked for (by default those that only drop a value that "
                "cannot apply: " +
                    absl::StrJoin(im::kDefaultRepairs, ", ") + ")");
  cmd->add_option("--source", a->source, "source system of the events (default ssda903-import)");
  cmd->add_option("--actor", a->actor, "who records (default $USER)");
  cmd->add_flag("--dry-run", a->dry_run, "validate and report only; send nothing");
  cmd->add_option("--jobs", a->jobs, "children recorded at once (default 4)")
      ->check(CLI::Range(1, 64));
  return [cmd, a, &g]() { return cmd->parsed() ? RunImport(g, *a) : -1; };
}

}  // namespace footprint::cli
