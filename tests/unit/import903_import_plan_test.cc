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

// One child R1 (born 1 Feb 2010) in care from 10 May 2017 to 1 Sep 2018 (E4A), with a good
// review on 7 Jun 2017 and one more review row `bad` (r.csv:3): the plan of that year.
ImportPlan OneBadReview(const std::string& bad) {
  Returns returns;
  const CsvTable h = Table("CHILD,SEX,DOB,ETHNIC\nR1,1,01/02/2010,WBRI\n", "h.csv");
  const CsvTable e = Table(
      "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
      "R1,10/05/2017,S,C2,N1,U4,PR1,01/09/2018,E4A,\n",
      "e.csv");
  const CsvTable r =
      Table("CHILD,REVIEW,REVIEW_CODE\nR1,07/06/2017,PN1\nR1," + bad + "\n", "r.csv");
  REQUIRE(AddYear(2017, &h, &e, &r, &returns).ok());
  return MakePlan(std::move(returns), ValidationOptions{kToday, {}});
}

// The child of OneBadReview is imported without the bad row: accepted, its episode and the
// good review planned (started, review, ended), the row listed as left out under `rule`.
void CheckLeftOut(const ImportPlan& plan, const std::string& rule, const std::string& detail) {
  REQUIRE(plan.children.size() == 1);
  const ChildPlan& r1 = plan.children[0];
  CHECK(r1.reasons.empty());
  CHECK(plan.accepted() == 1);
  REQUIRE(r1.events.size() == 3);
  CHECK(r1.events[0].event.has_period_of_care_started());
  CHECK(r1.events[1].event.review_held().participation() == "PN1");
  CHECK(r1.events[1].event.occurred_on() == "2017-06-07");
  CHECK(r1.events[2].event.has_period_of_care_ended());
  CHECK(r1.reviews == 1);
  REQUIRE(r1.left_out.size() == 1);
  CHECK(r1.left_out[0].rule == rule);
  CHECK(r1.left_out[0].detail == detail);
  CHECK(plan.rows_left_out() == 1);
  CHECK(plan.LeftOutByRule() == std::map<std::string, size_t>{{rule, 1}});
  CHECK(plan.RejectedByRule().empty());
  CHECK(RejectsCsv(plan) == "child_id,rule,detail,left_out\nR1," + rule + "," + detail + ",row\n");
}

TEST_CASE("a review outside care is left out and the rest of the child imported",
          "[import903][plan]") {
  CheckLeftOut(OneBadReview("01/10/2018,PN1"), "review.outside_care",
               "r.csv:3: the review on 2018-10-01 is in no period of care");
}

TEST_CASE("a review coded against the child's age is left out and the rest imported",
          "[import903][plan]") {
  // 8 on 1 Mar 2018: PN0 is for children under 4.
  CheckLeftOut(OneBadReview("01/03/2018,PN0"), "review.pn0_age",
               "r.csv:3: REVIEW_CODE PN0 is for children under 4; the child is 8 on 2018-03-01");
}

TEST_CASE("a review after today is left out and the rest imported", "[import903][plan]") {
  CheckLeftOut(OneBadReview("02/12/2026,PN1"), "review.future",
               "r.csv:3: the review on 2026-12-02 is after today");
}

TEST_CASE("a review code outside PN0-PN7 is left out and the rest imported", "[import903][plan]") {
  CheckLeftOut(OneBadReview("01/03/2018,PN9"), "code.review",
               "r.csv:3: REVIEW_CODE 'PN9' is not one of PN0-PN7");
}

TEST_CASE("a review row whose date does not read is left out and the rest imported",
          "[import903][plan]") {
  CheckLeftOut(OneBadReview("31/02/2018,PN1"), "row.malformed",
               "r.csv:3: REVIEW: '31/02/2018' is not a date (dd/mm/YYYY or YYYY-MM-DD)");
}

TEST_CASE("a review with another code in another year is left out with every row of its date",
          "[import903][plan]") {
  Returns returns;
  const CsvTable h = Table("CHILD,SEX,DOB,ETHNIC\nR1,1,01/02/2010,WBRI\n", "2017-h.csv");
  const CsvTable e = Table(
      "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
      "R1,10/05/2017,S,C2,N1,U4,PR1,01/09/2018,E4A,\n",
      "2017-e.csv");
  const CsvTable r1 = Table("CHILD,REVIEW,REVIEW_CODE\nR1,07/06/2017,PN1\n", "2017-r.csv");
  REQUIRE(AddYear(2017, &h, &e, &r1, &returns).ok());
  const CsvTable r2 =
      Table("CHILD,REVIEW,REVIEW_CODE\nR1,07/06/2017,PN4\nR1,01/03/2018,PN2\n", "2018-r.csv");
  REQUIRE(AddYear(2018, nullptr, nullptr, &r2, &returns).ok());
  const ImportPlan plan = MakePlan(std::move(returns), ValidationOptions{kToday, {}});
  REQUIRE(plan.children.size() == 1);
  const ChildPlan& r = plan.children[0];
  CHECK(r.reasons.empty());
  // Neither row of 7 June 2017 is imported (each is listed); the review of March is.
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[1].event.occurred_on() == "2018-03-01");
  CHECK(r.events[1].event.review_held().participation() == "PN2");
  CHECK(r.reviews == 1);
  REQUIRE(r.left_out.size() == 2);
  CHECK(r.left_out[0].rule == "review.years_differ");
  CHECK(r.left_out[0].detail ==
        "2017-r.csv:2: the review on 07/06/2017 has code PN1, 2018-r.csv:2 has PN4: the review is "
        "left out");
  CHECK(r.left_out[1].detail ==
        "2018-r.csv:2: the review on 07/06/2017 has code PN4, 2017-r.csv:2 has PN1: the review is "
        "left out");
  CHECK(plan.rows_left_out() == 2);
}

// One child (born 1 Feb 2010) whose first episode is `first` ("DECOM,RNE"), C2 U5 PR1, still
// open, in the 2017 files; a review on `review` (dd/mm/YYYY, PN1).
ImportPlan FirstEpisode(const std::string& first, const std::string& review = "01/09/2017") {
  Returns returns;
  const CsvTable h = Table("CHILD,SEX,DOB,ETHNIC\nN1,1,01/02/2010,WBRI\n", "h.csv");
  const CsvTable e = Table(
      "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
      "N1," +
          first + ",C2,N1,U5,PR1,,,\n",
      "e.csv");
  const CsvTable r = Table("CHILD,REVIEW,REVIEW_CODE\nN1," + review + ",PN1\n", "r.csv");
  REQUIRE(AddYear(2017, &h, &e, &r, &returns).ok());
  return MakePlan(std::move(returns), ValidationOptions{kToday, {}});
}

TEST_CASE("a first episode that is not S and open when the files begin: the start is not known",
          "[import903][plan]") {
  SECTION("RNE P on 9 Aug 2016, first year 2017: accepted, start not known") {
    const ImportPlan plan = FirstEpisode("09/08/2016,P");
    REQUIRE(plan.children.size() == 1);
    const ChildPlan& n1 = plan.children[0];
    CHECK(n1.reasons.empty());
    CHECK(n1.start_not_known);
    CHECK(plan.start_not_known() == 1);
    REQUIRE(n1.events.size() == 2);  // started, review
    const v1::ChildEvent& started = n1.events[0].event;
    REQUIRE(started.has_period_of_care_started());
    CHECK(started.occurred_on() == "2016-08-09");
    CHECK(started.period_of_care_started().start_not_known());
    CHECK(started.period_of_care_started().legal_status() == "C2");
    CHECK(started.period_of_care_started().placement().type() == "U5");
    CHECK(n1.events[1].event.occurred_on() == "2017-09-01");
  }
  SECTION("on 1 April of the first year itself: still before the files") {
    const ImportPlan plan = FirstEpisode("01/04/2017,T");
    REQUIRE(plan.children.size() == 1);
    CHECK(plan.children[0].reasons.empty());
    CHECK(plan.children[0].start_not_known);
  }
  SECTION("the same episode starting 1 Jun 2017, after the files begin: episode.first_rne") {
    const ImportPlan plan = FirstEpisode("01/06/2017,P");
    REQUIRE(plan.children.size() == 1);
    const ChildPlan& n1 = plan.children[0];
    REQUIRE(n1.reasons.size() == 1);
    CHECK(n1.reasons[0].rule == "episode.first_rne");
    CHECK(n1.reasons[0].detail ==
          "e.csv:2: RNE P on 2017-06-01 starts a period of care, which must be RNE S (it began "
          "after 1 April 2017, the start of the files)");
    CHECK(n1.events.empty());
    CHECK_FALSE(n1.start_not_known);
    CHECK(plan.start_not_known() == 0);
  }
  SECTION("an RNE S first episode before the files: its start is known") {
    const ImportPlan plan = FirstEpisode("09/08/2016,S");
    REQUIRE(plan.children.size() == 1);
    const ChildPlan& n1 = plan.children[0];
    CHECK(n1.reasons.empty());
    CHECK_FALSE(n1.start_not_known);
    CHECK(plan.start_not_known() == 0);
    REQUIRE_FALSE(n1.events.empty());
    CHECK(n1.events[0].event.occurred_on() == "2016-08-09");
    CHECK_FALSE(n1.events[0].event.period_of_care_started().start_not_known());
  }
  SECTION("a review before the first DECOM of such a child is left out") {
    const ImportPlan plan = FirstEpisode("09/08/2016,P", "01/07/2016");
    REQUIRE(plan.children.size() == 1);
    const ChildPlan& n1 = plan.children[0];
    CHECK(n1.reasons.empty());
    CHECK(n1.start_not_known);
    REQUIRE(n1.left_out.size() == 1);
    CHECK(n1.left_out[0].rule == "review.outside_care");
    CHECK(n1.left_out[0].detail ==
          "r.csv:2: the review on 2016-07-01 is in no period of care known (before the earliest "
          "episode in the files)");
    REQUIRE(n1.events.size() == 1);  // started only
    CHECK(n1.events[0].event.has_period_of_care_started());
  }
}

TEST_CASE("the rejects file's left_out column: child or row or value", "[import903][plan]") {
  // G1 rejected (an unknown legal status); G2 accepted with a review outside care left out;
  // G3 accepted with a move (RNE P) after a placement whose REASON_PLACE_CHANGE is missing.
  Returns returns;
  const CsvTable h = Table(
      "CHILD,SEX,DOB,ETHNIC\nG1,1,01/02/2010,WBRI\nG2,1,01/02/2010,WBRI\nG3,1,01/02/2010,WBRI\n",
      "h.csv");
  const CsvTable e = Table(
      "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
      "G1,10/05/2017,S,X9,N1,U4,PR1,01/09/2017,E4A,\n"
      "G2,10/05/2017,S,C2,N1,U4,PR1,01/09/2017,E4A,\n"
      "G3,10/05/2017,S,C2,N1,U4,PR1,01/09/2017,X1,\n"
      "G3,01/09/2017,P,C2,N1,U5,PR1,,,\n",
      "e.csv");
  const CsvTable r = Table("CHILD,REVIEW,REVIEW_CODE\nG2,01/10/2017,PN1\n", "r.csv");
  REQUIRE(AddYear(2017, &h, &e, &r, &returns).ok());
  const ImportPlan plan = MakePlan(std::move(returns), ValidationOptions{kToday, {}});
  CHECK(plan.accepted() == 2);
  CHECK(RejectsCsv(plan) ==
        "child_id,rule,detail,left_out\n"
        "G1,code.ls,\"e.csv:2: LS 'X9' is not one of C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, "
        "J2, J3\",child\n"
        "G2,review.outside_care,r.csv:2: the review on 2017-10-01 is in no period of care,row\n"
        "G3,episode.no_reason_place_change,e.csv:4: the placement from 2017-05-10 ended on "
        "2017-09-01 (RNE P) without a REASON_PLACE_CHANGE: recorded as not recorded,value\n");
  // The repairs file keeps its three columns.
  CHECK(RepairsCsv(plan) == "child_id,rule,detail\n");
  REQUIRE(plan.children.size() == 3);
  // The value recorded as not recorded is no row left out.
  CHECK(plan.rows_left_out() == 1);
  REQUIRE(plan.children[2].events.size() == 2);
  const v1::ChildEvent& moved = plan.children[2].events[1].event;
  REQUIRE(moved.has_placement_changed());
  CHECK(moved.placement_changed().reason_not_recorded());
  CHECK(moved.placement_changed().reason_for_change().empty());
}

TEST_CASE("event ids are the same when the same files are planned again", "[import903][plan]") {
  const ImportPlan first = FirstEpisode("09/08/2016,P");
  const ImportPlan again = FirstEpisode("09/08/2016,P");
  REQUIRE(first.children.size() == 1);
  REQUIRE(again.children.size() == 1);
  REQUIRE(first.children[0].events.size() == 2);
  REQUIRE(again.children[0].events.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(first.children[0].events[i].event_id == again.children[0].events[i].event_id);
  }
  // The same first episode with its start known (RNE S) is another fact, with another id.
  const ImportPlan known = FirstEpisode("09/08/2016,S");
  REQUIRE(known.children.size() == 1);
  REQUIRE(known.children[0].events.size() == 2);
  CHECK(known.children[0].events[0].event_id != first.children[0].events[0].event_id);
  CHECK(known.children[0].events[1].event_id == first.children[0].events[1].event_id);
}

}  // namespace
}  // namespace footprint::import903
