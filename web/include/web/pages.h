// The IRO manager's pages as HTML: pure functions of footprintd's answers (docs/web.md). Every
// page is one document with inline CSS, no script and nothing loaded from elsewhere; headings in
// order, tables with captions and header cells, a skip link, focus outlines and AA contrast, so
// it reads with a keyboard, a screen reader and on paper. Text from the record is escaped.
//
// Thread-safety: pure functions.
#ifndef FOOTPRINT_WEB_PAGES_H_
#define FOOTPRINT_WEB_PAGES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "footprint/v1/queries.pb.h"
#include "footprint/v1/reports.pb.h"

namespace footprint::web {

// `text` with &, <, >, " and ' as character references.
std::string Escape(absl::string_view text);

// A whole page: the title, who is looking (shown in the header), and the body's HTML.
std::string Layout(absl::string_view title, absl::string_view person, absl::string_view body);

// What the "today" page shows, each as footprintd answered it.
struct Today {
  std::string as_at;
  v1::ReviewsDueReport overdue;
  v1::ReviewsDueReport due;  // within 28 days
  v1::EscalationReport escalations;
  v1::Section20Report section20;
  v1::PlacementReport placements;  // three or more placements only, with the counts
};
std::string TodayBody(const Today& today);

// The form that asks why the person opens child `child_id`'s record (sent with the next
// request as `purpose`, and recorded in the access log with the person).
std::string PurposeBody(absl::string_view child_id, absl::string_view error = {});

// One child's record as at a date, and its timeline (every event, who recorded it and when, and
// the chain's verification); `purpose` as recorded, shown on the page.
std::string ChildBody(const v1::ChildSummary& child, const v1::ChildHistory& history,
                      absl::string_view purpose);

// Open challenges, filtered: `iro` and `team` by footprintd (the escalation report's scope),
// `theme` and `stage` here; the form to change the filter above the table.
struct ChallengeFilter {
  std::string iro, team, theme, stage;
};
std::string ChallengesBody(const v1::EscalationReport& report, const ChallengeFilter& filter);

// The reports index: a form per report, each with its formats.
std::string ReportsBody(absl::string_view today);
// The reports as pages; each links its downloads (`query` is the page's own query string,
// without format).
std::string Section20Body(const v1::Section20Report& report, absl::string_view query);
std::string PlacementsWithParentsBody(const v1::PlacementsWithParentsReport& report,
                                      absl::string_view query);
std::string PloCourtBody(const v1::PloCourtReport& report, absl::string_view query);
// Section 20 as CSV, a row per child (the other reports' CSV is the CLI's).
std::string Section20Csv(const v1::Section20Report& report);

// The projection workers' health and lag.
std::string ProjectionsBody(const v1::ProjectionsStatusResponse& status);

// A refusal or failure of footprintd, or of the request, in words.
std::string ErrorBody(int http_status, absl::string_view message);

}  // namespace footprint::web

#endif  // FOOTPRINT_WEB_PAGES_H_
