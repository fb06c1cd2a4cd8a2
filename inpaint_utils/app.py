"""Remove objects in a web page on this computer: open a photo, paint, Remove, compare, download.

    python -m inpaint_utils.app                 # opens http://127.0.0.1:7860 in your browser
    python -m inpaint_utils.app --port 8000 --no-browser

The page (``removal/page.html``, served by FastAPI and uvicorn, ``removal/page.py``) has a brush, an
eraser and a box at any zoom, undo, Remove with the command's default fill, a before/after view at
100%, and downloads of the result and its mask (``<name>_mask.png``, white = removed, which the
command's --mask takes). Photos are read and refused as the command reads them. It listens on this
computer only (127.0.0.1) unless --host says otherwise; uploads and results stay in a temporary
folder that is deleted when it stops (Ctrl+C). It writes nothing else: your files are never touched.
"""

import argparse
import sys
import threading
import webbrowser

from .data.photos import DEFAULT_MAX_PIXELS
from .removal.remover import DEFAULT_METHOD, METHODS

__all__ = ["main"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m inpaint_utils.app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 shares the "
                             "page with your network, with no password)")
    parser.add_argument("--port", type=int, default=7860, help="the port (default 7860)")
    parser.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD,
                        help=f"the fill, as the command's --method (default {DEFAULT_METHOD})")
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS,
                        help=f"refuse larger photos (default {DEFAULT_MAX_PIXELS:,}), as the command does")
    parser.add_argument("--accept-damaged", action="store_true",
                        help="open a JPEG whose decoder reports damaged data as it decodes (refused by default)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import uvicorn

    from .removal.page import LOCAL_HOSTS, create_app

    local = args.host in ("127.0.0.1", "localhost", "::1")
    app = create_app(args.method, max_pixels=args.max_pixels, accept_damaged=args.accept_damaged,
                     hosts=LOCAL_HOSTS if local else ("*",))
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    where = "this computer only" if local else f"every address of {args.host}"
    print(f"Remove objects at {url} (listening on {where}; --host changes it). Uploads and results stay in "
          f"{app.state.workdir}, deleted when this stops. Ctrl+C stops it.", flush=True)
    if not args.no_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
