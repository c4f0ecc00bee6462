/**
 * Who is signed in, and the account's settings every screen needs (time zone, currency), as
 * the shell's one query read them. Screens read it with `useViewer()`; they do not query it
 * again.
 */
import { createContext, useContext } from "react";

export type RoleType = "ADMINISTRATOR" | "OFFICE" | "CAREGIVER" | "CLIENT";

export type ViewerInfo = {
  userId: string;
  fullName: string;
  email: string;
  roleKey: string;
  roleName: string;
  roleType: RoleType | null;
  /** The role's permissions, such as "VIEW_BILLING" (the schema's `Permission` values). */
  permissions: ReadonlySet<string>;
  accountName: string;
  /** IANA zone of the agency: every date and time is shown in it (lib/dates.ts). */
  timeZone: string;
  /** ISO 4217 code for lib/money.ts. */
  currency: string;
};

export const ViewerContext = createContext<ViewerInfo | null>(null);

export function useViewer(): ViewerInfo {
  const viewer = useContext(ViewerContext);
  if (viewer === null) throw new Error("useViewer() is only for pages inside the signed-in layout.");
  return viewer;
}

/** Whether the viewer's role holds every one of these permissions. */
export function can(viewer: ViewerInfo, ...permissions: string[]): boolean {
  return permissions.every((p) => viewer.permissions.has(p));
}

/** Office staff and administrators (they read the whole account, within their permissions). */
export function isOffice(viewer: ViewerInfo): boolean {
  return viewer.roleType === "ADMINISTRATOR" || viewer.roleType === "OFFICE";
}
