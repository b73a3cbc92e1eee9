// The SSDA903 code lists that domain events are checked against (shared/docs/domain.md
// sections 2, 9 and 10).
#ifndef FOOTPRINT_DOMAIN_CODES_H_
#define FOOTPRINT_DOMAIN_CODES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace footprint::domain {

// INVALID_ARGUMENT (naming `field`) unless 1-64 characters of [A-Za-z0-9._-], starting with a
// letter or digit: the child ids the intake accepts (their stream is "child-" + id), checked by
// the 903 importer too.
absl::Status ValidateChildId(absl::string_view child_id, absl::string_view field);

// What Footprint's own appends (the deadline workflow's) carry: the name space of their
// deterministic ids, and the source system and actor stored in their metadata. Reports leave
// them out of "how the child was recorded".
inline constexpr char kDeadlineIdNamespace[] = "footprint/deadline";
inline constexpr char kSystemSource[] = "footprint";
inline constexpr char kSystemActor[] = "footprint-deadlines";

// A child's stream is kChildStreamPrefix + child id: the child's facts and challenges.
inline constexpr absl::string_view kChildStreamPrefix = "child-";

// The stream of import runs (v1.ImportRun, event type kImportRunEventType), written only by
// Intake.RecordImportRun.
inline constexpr absl::string_view kImportRunsStream = "imports";
inline constexpr absl::string_view kImportRunEventType = "ImportRun";

// Streams that belong to the domain: written only by the services that validate each event
// (Intake, Challenges, the deadline engine), never by a raw EventStore.Append, whose events
// would not be domain events the record can hold: children's streams (by prefix) and the
// import runs (that one stream).
inline constexpr absl::string_view kDomainStreamPrefixes[] = {kChildStreamPrefix};
inline constexpr absl::string_view kDomainStreams[] = {kImportRunsStream};

// The domain prefix `stream` starts with, or the domain stream it is; an empty view when it is
// not a domain stream.
absl::string_view DomainStreamPrefix(absl::string_view stream);

}  // namespace footprint::domain

namespace footprint::domain::codes {

// LS: C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3.
bool IsLegalStatus(absl::string_view code);
// V2 (single period of s20) and V3/V4 (series of short breaks).
bool IsSection20(absl::string_view legal_status);
bool IsShortBreaks(absl::string_view legal_status);
// PLACE: U1-U6 A3-A6 K1 K2 K3 H5 P1 P2 P3 R1 R2 R3 R5 S1 T0-T4 Z1 Z11-Z14.
bool IsPlacementType(absl::string_view code);
// T0-T4.
bool IsTemporaryPlacement(absl::string_view placement_type);
// PLACE_PROVIDER is blank for temporary and "other" (Z*) placements and required otherwise.
bool PlacementNeedsProvider(absl::string_view placement_type);
// PLACE_PROVIDER: PR0-PR5.
bool IsProvider(absl::string_view code);
// REASON_PLACE_CHANGE: CARPL CLOSE ALLEG STAND APPRR CREQB CREQO CHILD LAREQ PLACE CUSTOD OTHER.
bool IsReasonForPlacementChange(absl::string_view code);
// REC codes that end a period of care (E-codes; X1 continues care and is not one).
bool IsReasonCareEnded(absl::string_view code);
// CIN: N1-N8.
bool IsCategoryOfNeed(absl::string_view code);
// REVIEW_CODE: PN0-PN7.
bool IsParticipation(absl::string_view code);
// REVIEW_CODE PN0 is the code for a child under 4 on the review's day, and only for them (a
// child of 4 or more takes one of PN1-PN7). The one rule behind the intake's check and the
// importer's; each says it in its own words.
enum class ParticipationForAge { kFits, kPn0AtFourOrOver, kUnderFourNotPn0 };
ParticipationForAge CheckParticipationForAge(absl::string_view code, int age_in_years);
// The REVIEW_CODE list in order, for reports that count each code.
inline constexpr absl::string_view kParticipationCodes[] = {"PN0", "PN1", "PN2", "PN3",
                                                            "PN4", "PN5", "PN6", "PN7"};

// Short descriptions of codes, for reports ("" for a code not in the list).
absl::string_view LegalStatusLabel(absl::string_view code);
absl::string_view PlacementTypeLabel(absl::string_view code);
absl::string_view ReasonForPlacementChangeLabel(absl::string_view code);
absl::string_view ReasonCareEndedLabel(absl::string_view code);
absl::string_view ParticipationLabel(absl::string_view code);

// Human-readable lists for error messages.
inline constexpr char kLegalStatusList[] = "C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3";
inline constexpr char kPlacementTypeList[] =
    "U1-U6, A3-A6, K1, K2, K3, H5, P1, P2, P3, R1, R2, R3, R5, S1, T0-T4, Z1, Z11-Z14";
inline constexpr char kProviderList[] = "PR0-PR5";
inline constexpr char kReasonForChangeList[] =
    "CARPL, CLOSE, ALLEG, STAND, APPRR, CREQB, CREQO, CHILD, LAREQ, PLACE, CUSTOD, OTHER";
inline constexpr char kReasonCareEndedList[] =
    "E11, E12, E13, E14, E15, E16, E17, E2, E3, E41, E45, E46, E47, E48, E4A, E4B, E5, E6, E7, "
    "E8, E9";
inline constexpr char kCategoryOfNeedList[] = "N1-N8";
inline constexpr char kParticipationList[] = "PN0-PN7";

}  // namespace footprint::domain::codes

#endif  // FOOTPRINT_DOMAIN_CODES_H_
