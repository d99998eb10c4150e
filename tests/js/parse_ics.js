// Parse an .ics file with Mozilla's ical.js and print what a calendar client sees.
// Usage: node parse_ics.js FILE  ->  JSON {method, name, events: [...]}
import { readFileSync } from "node:fs";
import ICAL from "./vendor/ical.js-2.2.1/ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const start = component.getFirstPropertyValue("dtstart");
  const attendees = component.getAllProperties("attendee").map((attendee) => ({
    email: attendee.getFirstValue().replace(/^mailto:/i, ""),
    partstat: attendee.getParameter("partstat") || null,
    cn: attendee.getParameter("cn") || null,
  }));
  return {
    uid: event.uid,
    summary: event.summary,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    transp: component.getFirstPropertyValue("transp"),
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tzid: start.zone ? start.zone.tzid : null,
    location: event.location,
    url: component.getFirstPropertyValue("url"),
    organizer: component.getFirstPropertyValue("organizer"),
    attendees,
  };
});
console.log(
  JSON.stringify({
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    events,
  }),
);
