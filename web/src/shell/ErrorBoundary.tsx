/**
 * Never a blank screen: whatever a screen throws (an ApiError carries the API's own words) is
 * shown where the screen would be, with a way to try again.
 */
import { Alert, Button, Stack, Text } from "@mantine/core";
import { Component, type ReactNode } from "react";

import { messageOf } from "../relay/errors";

type Props = { children: ReactNode; onRetry?: () => void };
type State = { error: unknown };

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  retry = () => {
    this.setState({ error: null });
    this.props.onRetry?.();
  };

  render() {
    if (this.state.error === null) return this.props.children;
    return (
      <Alert color="red" title="This page could not be shown" role="alert" data-testid="error-boundary">
        <Stack gap="sm">
          <Text style={{ whiteSpace: "pre-line" }}>{messageOf(this.state.error)}</Text>
          <Button variant="outline" color="red" onClick={this.retry} w="fit-content">
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  }
}
