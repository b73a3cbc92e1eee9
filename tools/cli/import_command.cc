#include "tools/cli/import_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
};

struct YearFiles {
  std::string header, episodes, reviews;
};

// The collection year and kind of a 903 file from its name: "2017-episodes.csv",
// "SSDA903_2017_episodes.csv", "header_2017.csv"...
bool ClassifyFile(const fs::path& path, int* year, std::string* kind) {
  static const std::regex kYear("(^|[^0-9])((19|20)[0-9]{2})([^0-9]|$)");
  const std::string name = absl::AsciiStrToLower(path.filename().string());
  if (path.extension() != ".csv") return false;
  std::smatch m;
  if (!std::regex_search(name, m, kYear)) return false;
  *year = std::stoi(m[2].str());
  for (const char* k : {"header", "episodes", "reviews"}) {
    if (name.find(k) != std::string::npos) {
      *kind = k;
      return true;
    }
  }
  return false;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

absl::CivilDay TodayInEngland() {
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) london = absl::UTCTimeZone();
  return absl::ToCivilDay(absl::Now(), london);
}

std::string DefaultActor() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "footprint-cli";
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
      from = event.version() + 1;
    }
    if (response.end_of_stream() || response.events().empty()) return grpc::Status::OK;
  }
}

std::string Lower(std::string text) { return absl::AsciiStrToLower(text); }

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

int RunImport(const Globals& g, const ImportArgs& a) {
  // Files, by collection year.
  std::map<int, YearFiles> years;
  for (const std::string& given : a.paths) {
    std::vector<fs::path> files;
    std::error_code error;
    if (fs::is_directory(given, error)) {
      for (const auto& entry : fs::directory_iterator(given, error)) {
        int year = 0;
        std::string kind;
        if (entry.is_regular_file() && ClassifyFile(entry.path(), &year, &kind)) {
          files.push_back(entry.path());
        }
      }
      if (files.empty()) {
        return UsageError(given +
                          ": no 903 files (YYYY-header.csv, YYYY-episodes.csv, "
                          "YYYY-reviews.csv) in this directory");
      }
    } else {
      files.push_back(given);
    }
    for (const fs::path& file : files) {
      int year = 0;
      std::string kind;
      if (!ClassifyFile(file, &year, &kind)) {
        return UsageError(file.string() +
                          ": the name must hold the collection year and one of header, "
                          "episodes, reviews (e.g. 2017-episodes.csv)");
      }
      std::string* slot = kind == "header"     ? &years[year].header
                          : kind == "episodes" ? &years[year].episodes
                                               : &years[year].reviews;
      if (!slot->empty()) {
        return UsageError(file.string() + ": a second " + kind + " file for " +
                          std::to_string(year) + " (first: " + *slot + ")");
      }
      *slot = file.string();
    }
  }
  if (years.empty()) return UsageError("no 903 files given");

  im::Returns returns;
  for (const auto& [year, files] : years) {
    std::map<std::string, im::CsvTable> tables;
    for (const auto& [kind, path] : std::vector<std::pair<std::string, std::string>>{
             {"header", files.header}, {"episodes", files.episodes}, {"reviews", files.reviews}}) {
      if (path.empty()) continue;
      std::string text;
      if (!ReadWholeFile(path, &text)) return UsageError(path + ": cannot read the file");
      auto table = im::ParseCsv(text, path);
      if (!table.ok()) return UsageError(std::string(table.status().message()));
      tables.emplace(kind, *std::move(table));
    }
    auto get = [&](const char* kind) -> const im::CsvTable* {
      auto it = tables.find(kind);
      return it == tables.end() ? nullptr : &it->second;
    };
    if (absl::Status s =
            im::AddYear(year, get("header"), get("episodes"), get("reviews"), &returns);
        !s.ok()) {
      return UsageError(std::string(s.message()));
    }
  }

  im::ValidationOptions options;
  options.today = TodayInEngland();
  for (const std::string& rule : a.repairs) {
    if (rule == "all") {
      for (const char* r : im::kRepairableRules) options.repairs.insert(r);
      continue;
    }
    bool known = false;
    for (const char* r : im::kRepairableRules) known = known || rule == r;
    if (!known) {
      return UsageError("--repair: '" + rule +
                        "' is not a repairable rule (episode.open_not_last, "
                        "episode.open_with_rec, or all)");
    }
    options.repairs.insert(rule);
  }
  const size_t episodes_read = [&] {
    size_t n = 0;
    for (const auto& [id, child] : returns.children) n += child.episodes.size();
    return n;
  }();
  const size_t children_read = returns.children.size();
  im::ImportPlan plan = im::MakePlan(std::move(returns), options);
  const size_t children_valid = plan.accepted();  // before the intake's own refusals

  // Record each accepted child: only the events not recorded yet.
  auto channel = MakeChannel(g);
  auto intake = v1::Intake::NewStub(channel);
  auto store = v1::EventStore::NewStub(channel);
  const std::string actor = a.actor.empty() ? DefaultActor() : a.actor;
  const std::string correlation_id =
      "import903-" + absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
  size_t imported = 0, already = 0, episodes = 0, reviews = 0, events = 0;
  Progress progress(plan.accepted(), !g.json && !a.dry_run && isatty(STDERR_FILENO) == 1);
  size_t done = 0;
  for (im::ChildPlan& child : plan.children) {
    if (!child.reasons.empty() || a.dry_run) continue;
    std::set<std::string> recorded, recorded_by_import;
    grpc::Status status = RecordedIds(store.get(), g, "child-" + child.child_id, a.source,
                                      &recorded, &recorded_by_import);
    if (!status.ok()) {
      progress.Finish();
      return Fail(CodeName(status.error_code()),
                  "reading child " + child.child_id + ": " + status.error_message() +
                      " (nothing more was sent; running the import again is safe)");
    }
    std::set<std::string> planned;
    for (const im::PlannedEvent& e : child.events) planned.insert(e.event_id);
    std::vector<const im::PlannedEvent*> missing;
    for (const im::PlannedEvent& e : child.events) {
      if (!recorded.contains(e.event_id)) missing.push_back(&e);
    }
    std::string differs;
    for (const std::string& id : recorded_by_import) {
      if (!planned.contains(id)) differs = id;
    }
    ++done;
    if (!differs.empty()) {
      child.reasons.push_back({"import.history_differs",
                               "event " + differs + " imported before is not in these files " +
                                   "(a file changed since); nothing of the child was written"});
      child.events.clear();
      progress.Update(done, events);
      continue;
    }
    if (missing.empty()) {
      ++already;
      progress.Update(done, events);
      continue;
    }
    v1::RecordRequest request;
    request.set_child_id(child.child_id);
    request.set_source_system(a.source);
    request.set_recorded_by(actor);
    request.set_correlation_id(correlation_id);
    for (const im::PlannedEvent* e : missing) {
      v1::Submission* submission = request.add_events();
      submission->set_event_id(e->event_id);
      *submission->mutable_event() = e->event;
    }
    v1::RecordResponse response;
    for (int attempt = 0; attempt < 2; ++attempt) {
      grpc::ClientContext context;
      SetDeadline(&context, g);
      response.Clear();
      status = intake->Record(&context, request, &response);
      if (status.error_code() != grpc::StatusCode::ABORTED) break;
    }
    const grpc::StatusCode code = status.error_code();
    if (code == grpc::StatusCode::INVALID_ARGUMENT ||
        code == grpc::StatusCode::FAILED_PRECONDITION || code == grpc::StatusCode::ALREADY_EXISTS ||
        code == grpc::StatusCode::ABORTED) {
      // The intake names the event by its index in the request: say which row it came from.
      std::string detail = status.error_message();
      size_t index = 0;
      if (std::sscanf(detail.c_str(), "events[%zu]", &index) == 1 && index < missing.size()) {
        detail += " (" + missing[index]->from + ")";
      }
      child.reasons.push_back({"intake." + Lower(CodeName(code)), detail});
      child.events.clear();
      progress.Update(done, events);
      continue;
    }
    if (!status.ok()) {
      progress.Finish();
      return Fail(CodeName(code), "recording child " + child.child_id + ": " +
                                      status.error_message() +
                                      " (running the import again is safe)");
    }
    ++imported;
    episodes += child.episodes;
    reviews += child.reviews;
    events += missing.size();
    progress.Update(done, events);
  }
  progress.Finish();

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

  const auto rejected_by_rule = plan.RejectedByRule();
  const auto repairs_by_rule = plan.RepairsByRule();
  const size_t rejected = plan.rejected();
  if (g.json) {
    json out{{"years", json::array()},
             {"children_read", children_read},
             {"episodes_read", episodes_read},
             {"children_valid", children_valid},
             {"children_imported", imported},
             {"children_already_imported", already},
             {"episodes_imported", episodes},
             {"reviews_imported", reviews},
             {"events_imported", events},
             {"children_rejected", rejected},
             {"rejected_by_rule", rejected_by_rule},
             {"repairs_by_rule", repairs_by_rule},
             {"rows_without_child", plan.orphan_rows.size()},
             {"dry_run", a.dry_run}};
    for (const auto& [year, files] : years) out["years"].push_back(year);
    std::cout << out.dump() << '\n';
  } else {
    std::cout << "read " << years.size() << " collection year(s) " << years.begin()->first << "-"
              << years.rbegin()->first << ": " << children_read << " children, " << episodes_read
              << " episodes\n";
    if (a.dry_run) {
      std::cout << "dry run: " << children_valid << " children pass validation; nothing sent\n";
    } else {
      std::cout << "imported " << imported << " children (" << episodes << " episodes, " << reviews
                << " reviews, " << events << " events); " << already
                << " children already imported\n";
    }
    std::cout << "rejected " << rejected << " children";
    if (!a.rejects.empty()) std::cout << " (every reason in " << a.rejects << ")";
    std::cout << '\n';
    for (const auto& [rule, n] : rejected_by_rule) std::cout << "  " << rule << ": " << n << '\n';
    if (!repairs_by_rule.empty()) {
      std::cout << "repairs applied";
      if (!a.repairs_file.empty()) std::cout << " (listed in " << a.repairs_file << ")";
      std::cout << '\n';
      for (const auto& [rule, n] : repairs_by_rule) std::cout << "  " << rule << ": " << n << '\n';
    }
    if (!plan.orphan_rows.empty()) {
      std::cout << plan.orphan_rows.size() << " rows without a CHILD id were skipped\n";
    }
  }
  if (a.dry_run) return children_valid > 0 ? 0 : 1;
  return imported + already > 0 ? 0 : 1;
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
  cmd->add_option("--repair", a->repairs,
                  "repair RULE (episode.open_not_last, episode.open_with_rec, or all); repeatable");
  cmd->add_option("--source", a->source, "source system of the events (default ssda903-import)");
  cmd->add_option("--actor", a->actor, "who records (default $USER)");
  cmd->add_flag("--dry-run", a->dry_run, "validate and report only; send nothing");
  return [cmd, a, &g]() { return cmd->parsed() ? RunImport(g, *a) : -1; };
}

}  // namespace footprint::cli
