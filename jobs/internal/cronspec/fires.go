package cronspec

import "fmt"

// daysIn is the most days each month has, February's in leap years.
var daysIn = [13]int{1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}

// checkFires refuses a schedule whose day fields no date satisfies, such
// as 30 February: the old parser took it and Next then found no tick in
// any year. Every other field names at least one value and every weekday
// comes in every month, so only the days of the month can rule out every
// tick, and only when they must match (see dayMatches). Leap days do come,
// so 29 February fires.
func (s *Schedule) checkFires(domText, monthText string) error {
	if !s.domStar && !s.dowStar {
		return nil
	}
	for m := 1; m <= 12; m++ {
		if !s.month.has(m) {
			continue
		}
		for d := 1; d <= daysIn[m]; d++ {
			if s.dom.has(d) {
				return nil
			}
		}
	}
	return fmt.Errorf("never fires: day-of-month field %q names no day that the months of month field %q have "+
		"(February has 29 days in leap years; April, June, September and November have 30); want a day one of the months has", domText, monthText)
}
