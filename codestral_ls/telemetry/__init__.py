"""What happens to suggestions after they are shown, what they cost, and why they looked as
they did: acceptance and retention (``outcomes``, ``retention``), the spend governor
(``spend``), gateway feedback payloads (``feedback``) and the request inspector (``inspector``).

Pure: no pygls, no httpx. Time comes from an injectable ``Clock``."""
