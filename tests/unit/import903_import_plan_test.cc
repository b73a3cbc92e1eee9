// The import decided before anything is sent: accepted children with events, rejected ones
// with every reason, and the rejects file read back with the CSV reader.
#include "import903/import_plan.h"

#include "catch2/catch.hpp"

namespace footprint::import903 {
namespace {

CsvTable Table(const std::string& text, const std::string& file) {
  auto table = ParseCsv(text, file);
  INFO(table.status());
  REQUIRE(table.ok());
  return *table;
}

// Three children in one year: E1 consistent; E2 with an open episode carrying an end reason
// (repairable); E3 with an unknown legal status and a review outside care.
Returns Year() {
  Returns returns;
  const CsvTable h = Table(
      "CHILD,SEX,DOB,ETHNIC\nE1,1,01/02/2010,WBRI\nE2,2,03/04/2011,WBRI\nE3,1,05/06/2012,WBRI\n",
      "h.csv");
  const CsvTable e = Table(
      "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
      "E1,10/05/2017,S,C2,N1,U4,PR1,01/09/2017,E4A,\n"
      "E2,10/05/2017,S,C2,N1,U4,PR1,,X1,\n"
      "E3,10/05/2017,S,X9,N1,U4,PR1,01/09/2017,E4A,\n",
      "e.csv");
  const CsvTable r =
      Table("CHILD,REVIEW,REVIEW_CODE\nE1,07/06/2017,PN1\nE3,01/10/2017,PN1\n", "r.csv");
  REQUIRE(AddYear(2017, &h, &e, &r, &returns).ok());
  return returns;
}

const absl::CivilDay kToday(2026, 12, 1);

TEST_CASE("accepted children get events, rejected ones every reason", "[import903][plan]") {
  const ImportPlan plan = MakePlan(Year(), ValidationOptions{kToday, {}});
  REQUIRE(plan.children.size() == 3);
  CHECK(plan.accepted() == 1);
  CHECK(plan.rejected() == 2);
  CHECK(plan.rows_left_out() == 0);  // E3's review is among its reasons: it is rejected
  CHECK(plan.start_not_known() == 0);
  const ChildPlan& e1 = plan.children[0];
  CHECK(e1.child_id == "E1");
  CHECK(e1.reasons.empty());
  CHECK(e1.events.size() == 3);  // started, review, ended
  CHECK(e1.episodes == 1);
  CHECK(e1.reviews == 1);
  CHECK(plan.children[1].events.empty());
  // Issue 22: the review outside care alone would only be left out, but E3 is rejected (code.ls)
  // and a rejected child lists it among its reasons.
  CHECK(plan.RejectedByRule() == std::map<std::string, size_t>{{"code.ls", 1},
                                                               {"episode.open_with_rec", 1},
                                                               {"review.outside_care", 1}});
  CHECK(RejectsCsv(plan) ==
        "child_id,rule,detail,left_out\n"  // issue 22: the left_out column
        "E2,episode.open_with_rec,e.csv:3: the open episode from 2017-05-10 has an end reason "
        "REC X1,child\n"
        "E3,code.ls,\"e.csv:4: LS 'X9' is not one of C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, "
        "J2, J3\",child\n"
        "E3,review.outside_care,r.csv:3: the review on 2017-10-01 is in no period of care,child\n");
  CHECK(RepairsCsv(plan) == "child_id,rule,detail\n");

  // The rejects file reads back as one row per reason.
  const CsvTable back = Table(RejectsCsv(plan), "rejects.csv");
  CHECK(back.header == std::vector<std::string>{"child_id", "rule", "detail", "left_out"});
  REQUIRE(back.rows.size() == 3);
  REQUIRE(back.rows[1].fields.size() == 4);
  CHECK(back.rows[1].fields[2] ==
        "e.csv:4: LS 'X9' is not one of C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3");
}

TEST_CASE("with the repair asked for, the repaired child is accepted and the repair listed",
          "[import903][plan]") {
  const ImportPlan plan = MakePlan(Year(), ValidationOptions{kToday, {"episode.open_with_rec"}});
  CHECK(plan.accepted() == 2);
  REQUIRE(plan.children.size() == 3);
  const ChildPlan& e2 = plan.children[1];
  CHECK(e2.reasons.empty());
  CHECK(e2.events.size() == 1);  // still in care: started only
  CHECK(plan.RepairsByRule() == std::map<std::string, size_t>{{"episode.open_with_rec", 1}});
  CHECK(RepairsCsv(plan) ==
        "child_id,rule,detail\n"
        "E2,episode.open_with_rec,e.csv:3: the open episode from 2017-05-10 has an end reason "
        "REC X1: the reason was dropped\n");
}

}  // namespace
}  // namespace footprint::import903
