"""Read an HTML form as the browser would submit it, so that admin tests post what a curator's
browser posts (management forms of the inlines included) rather than a hand-made dict."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append([name, attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and name:
            self._select = [name, None, "multiple" in attrs]
        elif tag == "option" and self._select is not None:
            if "selected" in attrs:
                self.data.append([self._select[0], attrs.get("value", "")])
                self._select[1] = True
            elif self._select[1] is None and not self._select[2]:
                self._select[1] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.data.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, first, multiple = self._select
            if first not in (None, True) and not multiple:
                self.data.append([name, first])
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea[1] = self._textarea[1].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_data(response, form_id=None):
    """The fields of the form (the first one, or the one with `form_id`) as a dict of lists."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def post_form(client, url, changes, form_id=None, **kwargs):
    """GET `url`, fill in `changes` (name -> value or list), POST it back as a browser would."""
    data = form_data(client.get(url), form_id)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data, **kwargs)
