"""Browser tests of the admin web page (Playwright driving Debian's Chromium)."""
