/** The phone's position for a punch, or why there is none (the punch goes on without it). */

export type Position = { latitude: number; longitude: number };
export type Located = { position: Position } | { position: null; why: string };

const WAIT_MS = 10_000;

/** Ask the browser for the position once; never throws, never waits longer than WAIT_MS. */
export function currentPosition(): Promise<Located> {
  if (!("geolocation" in navigator)) {
    return Promise.resolve({ position: null, why: "This browser cannot share its location." });
  }
  return new Promise((resolve) => {
    const timer = window.setTimeout(
      () => resolve({ position: null, why: "Your location did not come in time." }),
      WAIT_MS + 500,
    );
    navigator.geolocation.getCurrentPosition(
      (found) => {
        window.clearTimeout(timer);
        resolve({ position: { latitude: found.coords.latitude, longitude: found.coords.longitude } });
      },
      (error) => {
        window.clearTimeout(timer);
        const why =
          error.code === error.PERMISSION_DENIED
            ? "Location is not allowed for this site."
            : "Your location could not be found.";
        resolve({ position: null, why });
      },
      { enableHighAccuracy: true, timeout: WAIT_MS, maximumAge: 30_000 },
    );
  });
}

/** Whether the site may read the location: "granted", "denied" or "prompt" (unknown: null). */
export async function locationPermission(): Promise<PermissionState | null> {
  try {
    const status = await navigator.permissions.query({ name: "geolocation" });
    return status.state;
  } catch {
    return null;
  }
}
