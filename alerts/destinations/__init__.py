"""Where alerts go: webhooks (signed), Slack-compatible webhooks, email; the dispatcher runs them apart."""
