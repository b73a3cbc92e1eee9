// The 903 CSV reader: RFC 4180 quoting, line ends, a byte order mark, and errors that name the
// file and line.
#include "import903/csv.h"

#include "catch2/catch.hpp"

namespace footprint::import903 {
namespace {

using Fields = std::vector<std::string>;

TEST_CASE("a 903 file with a BOM, CRLF line ends and quoted fields", "[import903][csv]") {
  const std::string text =
      "\xEF\xBB\xBF"
      "CHILD,DECOM,RNE,HOME_POST\r\n"
      "398768,09/04/2017,S,\"V28 5OY\"\r\n"
      "\r\n"
      "296227,11/09/2017,P,\"a \"\"quoted\"\" name, with a comma\"\r\n"
      "111,01/01/2018,T,\"two\nlines\"\n"
      "222,02/02/2018,L,\n"
      "333,03/03/2018,B";  // no line end at the end
  auto table = ParseCsv(text, "2017-episodes.csv");
  INFO(table.status());
  REQUIRE(table.ok());
  CHECK(table->file == "2017-episodes.csv");
  CHECK(table->header == Fields{"CHILD", "DECOM", "RNE", "HOME_POST"});
  REQUIRE(table->rows.size() == 5);
  CHECK(table->rows[0].line == 2);
  CHECK(table->rows[0].fields == Fields{"398768", "09/04/2017", "S", "V28 5OY"});
  CHECK(table->rows[1].line == 4);  // line 3 is blank
  CHECK(table->rows[1].fields ==
        Fields{"296227", "11/09/2017", "P", "a \"quoted\" name, with a comma"});
  CHECK(table->rows[2].line == 5);
  CHECK(table->rows[2].fields == Fields{"111", "01/01/2018", "T", "two\nlines"});
  CHECK(table->rows[3].line == 7);  // the quoted field took lines 5 and 6
  CHECK(table->rows[3].fields == Fields{"222", "02/02/2018", "L", ""});
  CHECK(table->rows[4].line == 8);
  CHECK(table->rows[4].fields == Fields{"333", "03/03/2018", "B"});

  CHECK(table->Column("DECOM") == 1u);
  CHECK(table->Column(" home_post ") == 3u);
  CHECK_FALSE(table->Column("DEC").has_value());
}

TEST_CASE("a header only is a file without rows, and an empty file is refused",
          "[import903][csv]") {
  auto table = ParseCsv("CHILD,DOB,REVIEW,REVIEW_CODE\n", "r.csv");
  REQUIRE(table.ok());
  CHECK(table->header.size() == 4);
  CHECK(table->rows.empty());
  for (const std::string& empty :
       {std::string(""), std::string("\n\r\n"), std::string("\xEF\xBB\xBF")}) {
    auto refused = ParseCsv(empty, "empty.csv");
    CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(refused.status().message() == "empty.csv:1: the file is empty (no header row)");
  }
}

TEST_CASE("quotes left open, or text after a closing quote, are refused with the line",
          "[import903][csv]") {
  auto open = ParseCsv("CHILD,DOB\n1,01/01/2010\n2,\"02/02/2010\n3,03/03/2010\n", "h.csv");
  CHECK(open.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(open.status().message() == "h.csv:3: a quoted field is never closed");
  auto after = ParseCsv("CHILD,DOB\n1,\"01/01\"2010\n", "h.csv");
  CHECK(after.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(after.status().message() ==
        "h.csv:2: a closing quote must be followed by a comma or a line end");
}

TEST_CASE("rows keep their own number of fields, and a trailing comma is an empty field",
          "[import903][csv]") {
  auto table = ParseCsv("A,B,C\n1,2\n1,2,3,4\n1,2,\n", "x.csv");
  REQUIRE(table.ok());
  REQUIRE(table->rows.size() == 3);
  CHECK(table->rows[0].fields == Fields{"1", "2"});
  CHECK(table->rows[1].fields == Fields{"1", "2", "3", "4"});
  CHECK(table->rows[2].fields == Fields{"1", "2", ""});
}

TEST_CASE("every synthetic 903 file parses, with the columns of domain.md section 10",
          "[import903][csv]") {
  // The shared synthetic set (not real children), read as the importer will read it.
  const std::string dir = FOOTPRINT_903_SYNTHETIC_DIR;
  const Fields header = {"CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"};
  const Fields episodes = {"CHILD",     "DECOM",          "RNE", "LS",  "CIN",
                           "PLACE",     "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
                           "HOME_POST", "PL_POST",        "URN"};
  const Fields reviews = {"CHILD", "DOB", "REVIEW", "REVIEW_CODE"};
  size_t rows = 0;
  for (int year = 2017; year <= 2021; ++year) {
    for (const auto& [kind, columns] :
         {std::pair{"header", header}, {"episodes", episodes}, {"reviews", reviews}}) {
      const std::string path = dir + "/" + std::to_string(year) + "-" + kind + ".csv";
      INFO(path);
      FILE* f = std::fopen(path.c_str(), "rb");
      REQUIRE(f != nullptr);
      std::string text;
      char buffer[65536];
      for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
      std::fclose(f);
      auto table = ParseCsv(text, path);
      INFO(table.status());
      REQUIRE(table.ok());
      CHECK(table->header == columns);
      REQUIRE_FALSE(table->rows.empty());
      for (const CsvRow& row : table->rows) {
        INFO("line " << row.line);
        CHECK(row.fields.size() == columns.size());
      }
      rows += table->rows.size();
    }
  }
  CHECK(rows > 10000);
}

}  // namespace
}  // namespace footprint::import903
