"""Import a spreadsheet through the admin of a running catalogue, as a curator's browser does:
log in, upload, follow the preview (checked by the worker when the file is large), confirm,
then follow the import's page while the worker imports it. Used by benchmarks/faults.sh.

    .venv/bin/python benchmarks/admin_import.py http://127.0.0.1:8101 USER PASSWORD FILE

It prints "preview ready", "queued", the rows done as the page shows them, and how the import
ended (the page's result, or why nothing was written); it exits non-zero when nothing was
imported.
"""

import html
import re
import sys
import time

import requests

PROGRESS = re.compile(r'<progress id="job-progress" max="(\d+)" value="(\d+)">')


def token(session, url):
    page = session.get(url, timeout=60)
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def text_of(page, ident):
    found = re.search(rf'id="{ident}"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", found.group(1))).strip() if found else ""


def follow(session, url, what):
    """The page at `url` once its job has ended, printing the rows done now and then."""
    shown = time.monotonic()
    while True:
        page = session.get(url, timeout=60).text
        if 'id="job"' not in page:
            return page
        progress = PROGRESS.search(page)
        if progress and time.monotonic() - shown > 5:
            print(f"{what}: {progress.group(2)} of {progress.group(1)} rows", flush=True)
            shown = time.monotonic()
        time.sleep(1)


def main():
    base, username, password, path = sys.argv[1:5]
    session = requests.Session()
    login = f"{base}/admin/login/"
    answer = session.post(
        login,
        data={
            "csrfmiddlewaretoken": token(session, login),
            "username": username,
            "password": password,
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=60,
    )
    if "/admin/login/" in answer.url:
        sys.exit("login refused")
    upload = f"{base}/admin/rkst/importbatch/upload/"
    start = time.monotonic()
    with open(path, "rb") as file:
        preview = session.post(
            upload,
            data={"csrfmiddlewaretoken": token(session, upload), "sheet": "agreements"},
            files={"file": (path.rsplit("/", 1)[-1], file, "text/csv")},
            headers={"Referer": upload},
            timeout=600,
        )
    preview.raise_for_status()
    if "/preview/" not in preview.url:
        sys.exit(f"upload refused: {preview.url}")
    page = follow(session, preview.url, "checked")
    if 'id="confirm_form"' not in page:
        sys.exit(f"not importable: {text_of(page, 'refused') or text_of(page, 'failure')}")
    print(f"preview ready in {time.monotonic() - start:.1f} s: {preview.url}", flush=True)
    start = time.monotonic()
    try:
        confirmed = session.post(
            preview.url,
            data={"csrfmiddlewaretoken": token(session, preview.url)},
            headers={"Referer": preview.url},
            timeout=600,
        )
    except requests.RequestException as error:
        sys.exit(f"confirm failed after {time.monotonic() - start:.1f} s: {error}")
    print(
        f"queued: the confirmation answered {confirmed.status_code} in "
        f"{time.monotonic() - start:.1f} s with {confirmed.url}",
        flush=True,
    )
    page = follow(session, confirmed.url, "imported")
    result = text_of(page, "result")
    if not result:
        sys.exit(f"not imported after {time.monotonic() - start:.1f} s: {text_of(page, 'failure')}")
    print(f"imported in {time.monotonic() - start:.1f} s: {result}", flush=True)


if __name__ == "__main__":
    main()
