# Voila's settings for the classroom app (`make app`: app.ipynb in this folder). Voila reads this
# file because `make app` (and tests/test_browser.py) start it from this folder. Its name is the
# one Voila looks for; so in this folder, `python -m voila` would import this file instead of
# Voila: run the `voila` command (as `make app` does).
# ruff: noqa: F821  (`c` is the configuration object Voila passes to this file)
import os
from pathlib import Path

# Only this machine can reach the page.
c.Voila.ip = "127.0.0.1"
c.Voila.open_browser = False
c.VoilaConfiguration.strip_sources = True  # the default, said out loud: no code on the page

# The page's template: Voila's "lab" one without its requests to a CDN (voila/templates/classroom
# here; Voila finds templates on the Jupyter data path, read after this file).
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    filter(None, [str(Path(__file__).resolve().parent), os.environ.get("JUPYTER_PATH")]))
c.VoilaConfiguration.template = "classroom"

# Only the front-end extensions the app uses. Voila 0.5.13 (the newest on 2026-11-30) bundles
# JupyterLab 4.2.5's core, and the installed extensions were built for JupyterLab 4.5-4.6 (that
# of `make lab`): each logs version warnings in the browser's console. Left: those of the two
# the app needs (13 in a run on 2026-11-30), the widget manager (built against JupyterLab 4.6)
# and anywidget (4.5).
# They are warnings only: webpack uses Voila's 4.2.5 copies, and the app works with them
# (tests/test_browser.py checks that no other warning or error appears).
c.VoilaConfiguration.extension_allowlist = [
    "@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", "anywidget"]

# A kernel that has already run the app waits for the next page, so the widget shows within
# seconds of opening it (tests/test_browser.py: under 5 s on 2 cores) instead of after a new
# kernel has imported TensorFlow, loaded the models and the test set and embedded 10,000 digits.
# Each page takes the waiting kernel and Voila starts the next one. Only pages in the theme the
# server was started with (`make app APP_THEME=dark`) get it: `?theme=dark` in the address of a
# light server starts a fresh kernel, as slow as starting the app.
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.default_pool_size = 1

# Closing or reloading a page shuts its kernel down (each holds about 1,060 MB: README.md,
# "Memory"). The page asks with a beacon carrying the value of an _xsrf cookie, but Voila's own
# page never sets that cookie, so Voila refused the request (403 "'_xsrf' argument missing",
# voila-dashboards/voila issue 1458) and every reload left a kernel running. The XSRF check is
# off for this server, for all its handlers (shutting a kernel down is the only thing its pages
# post). What still stands against another web page forging that request: the server refuses
# a request whose Origin header is not its own (jupyter_server's check_origin; a browser
# always sends it with a cross-site POST, and tests/test_browser.py checks the refusal), a
# request must name a kernel's random id, and the kernels accept no code, only widget messages.
c.Voila.tornado_settings = {**c.Voila.get("tornado_settings", {}), "disable_check_xsrf": True}

# In case a page dies without saying goodbye (a crashed browser, a laptop put to sleep): a
# kernel with no page connected and idle for 5 minutes is shut down. A page left open keeps its
# kernel however long the lesson lasts, as long as its connection does: after a laptop has
# slept longer than that, reload the page.
c.MappingKernelManager.cull_idle_timeout = 300
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
