/**
 * Every screen of the app, in one table: its route, its navigation label and who may use it.
 * To add a screen: make `screens/<name>/<Name>Screen.tsx` (a default export), add its entry
 * here. The layout shows a navigation item for each entry with a `nav` label that the viewer
 * is `allowed`, and the router refuses the route to others.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from "react";

import { can, isOffice, type ViewerInfo } from "./lib/viewer";

export type Screen = {
  /** The route, as react-router writes it ("/patients/:id"). */
  path: string;
  /** The navigation label; no label, no navigation item (a detail page). */
  nav?: string;
  /** Who may open it; mirror the API's policy (app/data/policy.py), which is what enforces it. */
  allowed: (viewer: ViewerInfo) => boolean;
  Component: LazyExoticComponent<ComponentType>;
};

export const SCREENS: Screen[] = [
  {
    path: "/board",
    nav: "Schedule",
    // schedulers change it; an auditor (VIEW_AUDIT) reads every visit, so sees it read-only
    allowed: (v) => can(v, "MANAGE_SCHEDULE") || can(v, "VIEW_AUDIT"),
    Component: lazy(() => import("./screens/board/BoardScreen")),
  },
  {
    path: "/patients",
    nav: "Patients",
    allowed: isOffice,
    Component: lazy(() => import("./screens/patients/PatientsScreen")),
  },
  {
    path: "/patients/:id",
    // a caregiver opens their own patients' charts from their day
    allowed: () => true,
    Component: lazy(() => import("./screens/patients/PatientChartScreen")),
  },
  {
    path: "/billing",
    nav: "Billing",
    allowed: (v) => can(v, "VIEW_BILLING"),
    Component: lazy(() => import("./screens/billing/BillingScreen")),
  },
  {
    path: "/day",
    nav: "My day",
    allowed: (v) => v.roleType === "CAREGIVER" && can(v, "RECORD_VISITS"),
    Component: lazy(() => import("./screens/day/DayScreen")),
  },
  {
    path: "/payroll",
    nav: "Payroll",
    allowed: (v) => can(v, "VIEW_PAY"),
    Component: lazy(() => import("./screens/payroll/PayrollScreen")),
  },
  {
    path: "/account/password",
    allowed: () => true,
    Component: lazy(() => import("./screens/account/ChangePasswordScreen")),
  },
];

/** Where a viewer lands after signing in: their first screen in the navigation. */
export function homeOf(viewer: ViewerInfo): string {
  return SCREENS.find((s) => s.nav && s.allowed(viewer))?.path ?? "/account/password";
}
