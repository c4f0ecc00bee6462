/**
 * The signed-in frame: one query for who is signed in and the account's settings, then a
 * header, the navigation of the screens this role may use, and the current screen inside an
 * error boundary.
 */
import { AppShell, Burger, Group, Menu, NavLink, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense, useMemo } from "react";
import { graphql, useLazyLoadQuery } from "react-relay";
import { Link, Navigate, Route, Routes, useLocation } from "react-router";

import { signOut } from "../lib/session";
import { ViewerContext, type RoleType, type ViewerInfo } from "../lib/viewer";
import { homeOf, SCREENS } from "../screens";
import type { LayoutQuery, LayoutQuery$data } from "./__generated__/LayoutQuery.graphql";
import { ErrorBoundary } from "./ErrorBoundary";
import { Loading } from "./Loading";
import { NotAllowed, NotFound } from "./NotFound";

const query = graphql`
  query LayoutQuery {
    viewer {
      email
      user {
        id
        fullName
        role {
          key
          name
          type
          permissions
        }
      }
    }
    account {
      name {
        legal
        display
      }
      settings {
        timezone
        currency
      }
    }
  }
`;

function viewerInfo(data: LayoutQuery$data): ViewerInfo | null {
  const { viewer, account } = data;
  if (!viewer) return null;
  const role = viewer.user.role;
  return {
    userId: viewer.user.id,
    fullName: viewer.user.fullName,
    email: viewer.email,
    roleKey: role?.key ?? "",
    roleName: role?.name ?? "",
    roleType: (role?.type ?? null) as RoleType | null,
    permissions: new Set(role?.permissions ?? []),
    accountName: account.name.display ?? account.name.legal,
    timeZone: account.settings.timezone,
    currency: account.settings.currency,
  };
}

export default function Layout() {
  return (
    <ErrorBoundary>
      <Suspense fallback={<Loading />}>
        <SignedInLayout />
      </Suspense>
    </ErrorBoundary>
  );
}

function SignedInLayout() {
  const data = useLazyLoadQuery<LayoutQuery>(query, {});
  const viewer = useMemo(() => viewerInfo(data), [data]);
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  if (viewer === null) {
    void signOut();
    return <Loading />;
  }
  const nav = SCREENS.filter((s) => s.nav && s.allowed(viewer));
  return (
    <ViewerContext.Provider value={viewer}>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group wrap="nowrap" miw={0}>
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
              <Text fw={700} component={Link} to="/" truncate="end">
                {viewer.accountName}
              </Text>
            </Group>
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton data-testid="user-menu">
                  <Text size="sm" truncate="end" maw={{ base: 140, sm: 320 }}>
                    {viewer.fullName}
                    <Text span visibleFrom="sm" inherit>
                      {" · "}
                      {viewer.roleName}
                    </Text>
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component={Link} to="/account/password">
                  Change password
                </Menu.Item>
                <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Screens" component="nav">
          {nav.map((s) => (
            <NavLink
              key={s.path}
              component={Link}
              to={s.path}
              label={s.nav}
              active={location.pathname === s.path || location.pathname.startsWith(s.path + "/")}
              onClick={close}
            />
          ))}
        </AppShell.Navbar>
        <AppShell.Main>
            <ErrorBoundary key={location.pathname}>
              <Suspense fallback={<Loading />}>
                <Routes>
                  <Route path="/" element={<Navigate to={homeOf(viewer)} replace />} />
                  <Route path="/sign-in" element={<Navigate to={homeOf(viewer)} replace />} />
                  {SCREENS.map(({ path, allowed, Component }) => (
                    <Route key={path} path={path} element={allowed(viewer) ? <Component /> : <NotAllowed />} />
                  ))}
                  <Route path="*" element={<NotFound />} />
                </Routes>
              </Suspense>
            </ErrorBoundary>
        </AppShell.Main>
      </AppShell>
    </ViewerContext.Provider>
  );
}
