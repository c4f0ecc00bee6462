/**
 * vkurko's Event Calendar (@event-calendar/core, MIT) in a small React component: its resource
 * timeline week, caregivers as rows and days as columns. Times given and answered are
 * wall-clock strings of the account's zone (zone.ts); the calendar runs in "UTC" so it never
 * shifts them by the browser's zone. What it hands back (to its formats and callbacks) are
 * browser-local Dates whose local fields are those wall clocks: they are formatted and read in
 * the browser's zone, never as UTC (else east of UTC every day shows as the one before).
 */
import "@event-calendar/core/index.css";
// Svelte (the calendar's runtime) from 5.60 sets up its DOM helpers in this module, which
// components compiled by Svelte import themselves; the calendar's build predates it
import "svelte/internal/init-operations";

import { createCalendar, destroyCalendar, Interaction, ResourceTimeline, type Calendar } from "@event-calendar/core";
import { useEffect, useRef } from "react";

export type CalendarRow = { id: string; title: string };

export type CalendarVisit = {
  id: string;
  rows: string[];
  /** Wall-clock start and end in the account's zone, "2025-06-02T09:00:00". */
  start: string;
  end: string;
  /** What the block shows (times, patient). */
  text: string;
  /** Its accessible name: what it shows and its status in words. */
  label: string;
  symbol: string;
  color: string;
  conflicting: boolean;
};

export type MovedVisit = { id: string; start: string; end: string; fromRow?: string; toRow?: string };

type Props = {
  /** The Monday shown, "2025-06-02". */
  monday: string;
  rows: CalendarRow[];
  visits: CalendarVisit[];
  editable: boolean;
  onOpen: (id: string) => void;
  onMove: (moved: MovedVisit, revert: () => void) => void;
};

const GRID_ATTRIBUTES = ["role", "aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount"];
const GRID_ROLES = ["grid", "table", "treegrid", "row", "rowgroup", "rowheader", "columnheader", "cell", "gridcell"]
  .map((role) => `[role="${role}"]`)
  .concat(["[aria-colindex]", "[aria-rowindex]", "[aria-colcount]", "[aria-rowcount]"])
  .join(",");

const pad = (n: number) => String(n).padStart(2, "0");

/** A Date the calendar answers (its local fields are the wall clock) as "2025-06-02T09:00:00". */
function wall(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default function WeekCalendar({ monday, rows, visits, editable, onOpen, onMove }: Props) {
  const target = useRef<HTMLDivElement>(null);
  const calendar = useRef<Calendar | null>(null);
  const handlers = useRef({ onOpen, onMove });
  handlers.current = { onOpen, onMove };

  useEffect(() => {
    if (!target.current) return;
    const made = createCalendar(target.current, [ResourceTimeline, Interaction], {
      view: "resourceTimelineWeek",
      timeZone: "UTC",
      firstDay: 1,
      headerToolbar: { start: "", center: "", end: "" },
      height: "auto",
      // one column a day: a block sits in its day, its times written on it
      slotDuration: { days: 1 },
      slotWidth: 120,
      // formatted in the browser's zone: the calendar gives them as local wall-clock Dates
      dayHeaderFormat: { weekday: "short", month: "short", day: "numeric" },
      eventTimeFormat: { hour: "numeric", minute: "2-digit" },
      eventStartEditable: true,
      eventDurationEditable: false,
      eventContent: (info) => {
        const props = info.event.extendedProps as { symbol?: string; text?: string };
        return { html: `<span aria-hidden="true">${escape(props.symbol ?? "")}</span> ${escape(props.text ?? "")}` };
      },
      eventDidMount: (info) => {
        // a block is a button: reachable with Tab, opened with Enter or Space
        const el = info.el;
        const props = info.event.extendedProps as { label?: string; conflicting?: boolean };
        el.setAttribute("role", "button");
        el.setAttribute("tabindex", "0");
        el.setAttribute("aria-label", props.label ?? "");
        el.dataset.visit = String(info.event.id);
        if (props.conflicting) el.style.outline = "2px dashed #b3261e";
        el.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            handlers.current.onOpen(String(info.event.id));
          }
        });
      },
      eventClick: (info) => handlers.current.onOpen(String(info.event.id)),
      eventDrop: (info) => {
        handlers.current.onMove(
          {
            id: String(info.event.id),
            start: wall(info.event.start),
            end: wall(info.event.end ?? info.event.start),
            fromRow: info.oldResource ? String(info.oldResource.id) : undefined,
            toRow: info.newResource ? String(info.newResource.id) : undefined,
          },
          info.revert,
        );
      },
    });
    calendar.current = made;
    // The calendar's layout carries grid roles (row, rowheader, cell) whose required parents
    // and children it does not give, which misleads a screen reader: they are taken off, and
    // each block's own name says its times, patient, day, caregiver and status instead.
    const strip = () => {
      // its toolbar is empty (the board has its own week buttons), but would be a landmark
      const toolbar = target.current?.querySelector<HTMLElement>(".ec-toolbar");
      if (toolbar && toolbar.style.display !== "none") {
        toolbar.style.display = "none";
        toolbar.setAttribute("role", "presentation");
      }
      for (const el of target.current?.querySelectorAll(GRID_ROLES) ?? []) {
        for (const name of GRID_ATTRIBUTES) el.removeAttribute(name);
      }
    };
    strip();
    const observer = new MutationObserver(strip);
    observer.observe(target.current, { subtree: true, childList: true, attributeFilter: GRID_ATTRIBUTES });
    return () => {
      observer.disconnect();
      calendar.current = null;
      void destroyCalendar(made);
    };
  }, []);

  useEffect(() => {
    calendar.current?.setOption("date", monday);
  }, [monday]);

  useEffect(() => {
    calendar.current?.setOption("editable", editable);
  }, [editable]);

  useEffect(() => {
    calendar.current?.setOption("resources", rows);
  }, [rows]);

  useEffect(() => {
    calendar.current?.setOption(
      "events",
      visits.map((v) => ({
        id: v.id,
        resourceIds: v.rows,
        start: v.start,
        end: v.end,
        title: v.text,
        backgroundColor: v.color,
        textColor: "#ffffff",
        extendedProps: { label: v.label, symbol: v.symbol, text: v.text, conflicting: v.conflicting },
      })),
    );
  }, [visits]);

  return <div ref={target} data-testid="week-calendar" role="group" aria-label="Visits of the week by caregiver" />;
}
