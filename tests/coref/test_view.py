"""The coref format on any doc, render_coref's HTML and the two servers (over HTTP)."""

import pickle
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import DocBin

import spacy_transfer
from spacy_transfer.coref import Cluster, render_coref
from spacy_transfer.coref.view.serve import make_docs_app, make_server, make_visualizer_app

from .test_resolve import ALICE, with_clusters


class Mentions(HTMLParser):
    """Collects the mention elements: (cluster, depth, text inside)."""

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "data-cluster" in attrs:
            self.stack.append([attrs["data-cluster"], attrs["data-mention"], ""])
        elif tag == "span":
            self.stack.append(None)

    def handle_endtag(self, tag):
        if tag == "span" and self.stack:
            item = self.stack.pop()
            if item is not None:
                depth = sum(1 for s in self.stack if s is not None)
                self.found.append((item[0], depth, item[2]))

    def handle_data(self, data):
        for item in self.stack:
            if item is not None:
                item[2] += data


def mentions_of(html):
    parser = Mentions()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def test_coref_format_on_a_doc_set_by_hand(blank):
    doc = with_clusters(blank(ALICE), [["Alice", "her"], ["Bob", "he", "his"]])
    clusters = doc._.coref_clusters
    assert [c.i for c in clusters] == [0, 1] and all(isinstance(c, Cluster) for c in clusters)
    assert [c.main.text for c in clusters] == ["Alice", "Bob"]
    assert doc._.has_coref and doc[3]._.in_coref and not doc[4]._.in_coref
    assert doc[3:4]._.coref_cluster.main.text == "Alice"
    assert doc._.coref_scores is None
    # The format survives DocBin and pickle, clusters and resolved text alike.
    restored = list(DocBin(docs=[doc], store_user_data=True).get_docs(blank.vocab))[0]
    assert restored._.coref_clusters == clusters
    assert pickle.loads(pickle.dumps(doc))._.coref_resolved == doc._.coref_resolved


def test_coref_best_mention_for_clusters_without_main(blank):
    doc = with_clusters(blank("When she arrived, the doctor saw Mary."), [["she", "the doctor", "Mary"]])
    assert doc._.coref_clusters[0].main.text == "Mary"
    doc = with_clusters(blank("She said she would come."), [["She", "she"]])
    assert doc._.coref_clusters[0].main.text == "She"


def test_coref_render_marks_every_mention(blank):
    doc = with_clusters(blank(ALICE), [["Alice", "her"], ["Bob", "he", "his"]])
    html = render_coref(doc, jupyter=False)
    found = mentions_of(html)
    assert [(c, t) for c, _, t in found] == [("1", "Alice1"), ("2", "Bob2"), ("1", "her1"), ("2", "he2"), ("2", "his2")]
    assert "<script" in html and "http" not in html  # offline: nothing fetched
    page = render_coref([doc, doc], page=True, jupyter=False)
    assert page.startswith("<!DOCTYPE html>") and page.count('class="coref-doc"') == 2
    assert spacy_transfer.render_coref is render_coref


def test_coref_render_nested_and_crossing_mentions(blank):
    text = "Elon Musk was proud. His company grew."
    doc = with_clusters(blank(text), [["Elon Musk", "His"], ["His company"]])
    found = mentions_of(render_coref(doc, jupyter=False))
    assert ("2", 0, "His1 company2") in found and ("1", 1, "His1") in found
    # Crossing mentions (not nested) are drawn in pieces that share a mention id.
    doc = blank("a b c d")
    doc.spans["coref_clusters_1"] = [doc[0:2], doc[3:4]]
    doc.spans["coref_clusters_2"] = [doc[1:3], doc[3:4]]
    html = render_coref(doc, jupyter=False)
    ids = re.findall(r'data-cluster="2" data-mention="(\d+)"', html)
    assert len(ids) == 3 and len(set(ids)) == 2
    assert re.sub(r"<[^>]+>|\d", "", html.split('class="coref-text">')[1].split("</div>")[0]) == "a b c d"


def test_coref_render_escapes_and_shows_cats(blank):
    doc = blank("<b>Tom</b> & he")
    doc.spans["coref_clusters_1"] = [doc[3:4], doc[6:7]]
    doc.cats = {"spam": 0.1, "ham": 0.9}
    html = render_coref(doc, jupyter=False)
    assert "&lt;b&gt;" in html and "Tom&lt;/b" in html and "<b>Tom" not in html and "&amp;" in html
    assert "ham 0.90" in html and html.index("ham") < html.index("spam")


def test_coref_render_docs_without_clusters_and_bad_input(blank):
    html = render_coref(blank("Nothing here."), jupyter=False)
    assert "No coreference clusters" in html and mentions_of(html) == []
    with pytest.raises(TypeError, match="E073"):
        render_coref(["a string, not a doc"], jupyter=False)


def _serve(app):
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def _post(url, data: bytes):
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf8")


@Language.component("test_rule_coref")
def rule_coref(doc):
    # Every capitalised word with its later "he"/"she" as one cluster: enough to test serving.
    names = [t for t in doc if t.is_title and t.i > 0]
    pronouns = [t for t in doc if t.lower_ in ("he", "she", "her", "his")]
    if names and pronouns:
        doc.spans["coref_clusters_1"] = [doc[names[0].i : names[0].i + 1]] + [doc[p.i : p.i + 1] for p in pronouns]
    if "boom" in doc.text:
        raise RuntimeError("the pipeline broke")
    return doc


@pytest.fixture(scope="module")
def visualizer():
    nlp = spacy.blank("en")
    nlp.add_pipe("test_rule_coref")
    server, url = _serve(make_visualizer_app(nlp, max_length=200))
    yield url
    server.shutdown()
    server.server_close()


def test_coref_visualizer_form_and_result(visualizer):
    with urllib.request.urlopen(visualizer, timeout=30) as response:
        assert "<textarea" in response.read().decode("utf8")
    text = "Yesterday Anna said she had seen her brother. 😀"
    status, page = _post(visualizer, urllib.parse.urlencode({"text": text}).encode())
    assert status == 200
    assert [c for c, _, _ in mentions_of(page)] == ["1", "1", "1"]
    assert "Yesterday Anna said Anna had seen Anna&#x27;s brother. 😀" in page


@pytest.mark.parametrize(
    "data,status,message",
    [
        (b"text=", 200, "Paste some text"),
        (urllib.parse.urlencode({"text": "x" * 201}).encode(), 413, "201 characters"),
        (b"text=" + b"%FF%FE", 400, "not valid UTF-8"),
        (urllib.parse.urlencode({"text": "boom"}).encode(), 500, "RuntimeError: the pipeline broke"),
        (b"text=" + b"x" * 5000, 413, "too long"),
    ],
)
def test_coref_visualizer_bad_input(visualizer, data, status, message):
    got_status, page = _post(visualizer, data)
    assert got_status == status and message in page


def test_coref_serve_docs_and_port_in_use(blank):
    doc = with_clusters(blank(ALICE), [["Alice", "her"]])
    server, url = _serve(make_docs_app(render_coref(doc, page=True, jupyter=False)))
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert len(mentions_of(response.read().decode("utf8"))) == 2
        with pytest.raises(OSError, match="E074"):
            make_server(make_docs_app(""), "127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_coref_visualize_command(tmp_path):
    """`python -m spacy_transfer visualize PIPELINE --port N` serves the paste-text page."""
    import subprocess
    import sys
    import time

    port = _free_port()
    cmd = [sys.executable, "-m", "spacy_transfer", "visualize", "blank:en", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode("utf8")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stdout.read())
                time.sleep(0.5)
        else:
            pytest.fail("the visualize server did not start")
        assert "<textarea" in page and "Coreference" in page
        status, page = _post(url, urllib.parse.urlencode({"text": "Hello there."}).encode())
        assert status == 200 and "No coreference clusters" in page
        # The port is taken now: a second server says so, with a coded error.
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and "E074" in second.stdout + second.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bad = subprocess.run(cmd[:-2] + ["--max-length", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "--max-length" in bad.stdout + bad.stderr


def test_coref_render_in_jupyter_displays(blank, monkeypatch):
    """jupyter=True hands the HTML to IPython's display and returns None, like displacy."""
    import sys
    import types

    shown = []
    display_module = types.ModuleType("IPython.display")
    display_module.HTML = lambda html: ("HTML", html)
    display_module.display = shown.append
    monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    doc = with_clusters(blank(ALICE), [["Alice", "her"]])
    assert render_coref(doc, jupyter=True) is None
    assert shown and shown[0][0] == "HTML" and 'data-cluster="1"' in shown[0][1]
