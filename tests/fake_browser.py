"""Stands in for a web browser (set as BROWSER): follows the authorization URL and the redirect back to intcli.

webbrowser waits for the BROWSER command to exit, while intcli only starts serving its redirect after that, so
the command hands the work to a detached child and exits at once.
"""

import os
import ssl
import subprocess
import sys

import httpx

if __name__ == "__main__":
    if sys.argv[1] != "--child":
        subprocess.Popen([sys.executable, __file__, "--child", sys.argv[1]], start_new_session=True)
        sys.exit(0)
    url = sys.argv[2]
    trusted = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    authorize = httpx.get(url, verify=trusted, follow_redirects=False)
    location = authorize.headers["Location"]
    with open(os.environ["FAKE_BROWSER_LOG"], "a") as log:
        log.write(url + "\n" + location + "\n")
    httpx.get(location, timeout=30)  # intcli's loopback redirect server
