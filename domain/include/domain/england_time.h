// The calendar day in England for an instant, and the instant a day in England begins.
// Deadlines are dates in England; the clock is UTC.
#ifndef FOOTPRINT_DOMAIN_ENGLAND_TIME_H_
#define FOOTPRINT_DOMAIN_ENGLAND_TIME_H_

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace footprint::domain {

// Europe/London from the system's time zone database; if it is missing (a minimal container),
// the UK rule since 1996 (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
// last Sunday of October).
absl::CivilDay EnglandDay(absl::Time t);
// 00:00 in England on `day`, as an instant.
absl::Time StartOfEnglandDay(absl::CivilDay day);

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_ENGLAND_TIME_H_
