"""Import a spreadsheet through the admin of a running catalogue, as a curator's browser does:
log in, upload (the preview is computed), confirm. Used by benchmarks/faults.sh.

    .venv/bin/python benchmarks/admin_import.py http://127.0.0.1:8101 USER PASSWORD FILE
"""

import re
import sys
import time

import requests


def token(session, url):
    page = session.get(url, timeout=60)
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


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
        f"confirm answered {confirmed.status_code} in {time.monotonic() - start:.1f} s "
        f"at {confirmed.url}",
        flush=True,
    )
    if confirmed.status_code != 200 or "/preview/" in confirmed.url:
        messages = re.findall(r'<li class="(?:error|warning)">([^<]+)</li>', confirmed.text)
        sys.exit(f"not imported: {'; '.join(messages) or confirmed.status_code}")


if __name__ == "__main__":
    main()
