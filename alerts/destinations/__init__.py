"""Where alerts go: webhooks (signed), Slack-compatible webhooks, email.

The dispatcher runs them apart.
"""
