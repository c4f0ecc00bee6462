/**
 * The app's frame: providers, the session gate and the routes. Signed out, every route shows
 * the sign-in page; signed in, the layout (shell/Layout.tsx) reads the viewer once and shows
 * the screens of `screens.tsx` the viewer's role may use.
 */
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { RelayEnvironmentProvider } from "react-relay";
import { BrowserRouter, Route, Routes } from "react-router";

import { isSignedIn, refresh, subscribe } from "./lib/session";
import { createEnvironment } from "./relay/environment";
import SignInScreen from "./screens/signin/SignInScreen";
import { Loading } from "./shell/Loading";
import Layout from "./shell/Layout";
import { cssVariablesResolver, theme } from "./theme";

/** Signed in or not; `null` while the first refresh asks the server for the cookie's session. */
function useSession(): boolean | null {
  const signedIn = useSyncExternalStore(subscribe, isSignedIn);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    void refresh().finally(() => setChecked(true));
  }, []);
  return checked || signedIn ? signedIn : null;
}

export default function App() {
  const signedIn = useSession();
  // a new store per session: what one person read is never shown to the next
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const environment = useMemo(() => createEnvironment(), [signedIn]);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications />
      <RelayEnvironmentProvider environment={environment}>
        <BrowserRouter>
          {signedIn === null ? (
            <Loading />
          ) : signedIn ? (
            <Layout />
          ) : (
            <Routes>
              <Route path="*" element={<SignInScreen />} />
            </Routes>
          )}
        </BrowserRouter>
      </RelayEnvironmentProvider>
    </MantineProvider>
  );
}
