"""Server-rendered web pages of the media server: the clip page, galleries, remix trees.

Jinja2 templates (autoescaped) under ``templates/``, CSS and the one small script under
``static/`` served by the media server itself: no page makes a third-party request.
"""
