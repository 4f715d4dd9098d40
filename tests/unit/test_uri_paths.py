"""File paths from URIs (pygls' uris helpers), Windows drive letters included, as the
secret-file rules and the file names sent upstream see them."""

from __future__ import annotations

import pytest

from codestral_ls.lsp.server import path_of
from codestral_ls.service import Codestral


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("file:///c%3A/Users/ana/project/app.py", "c:/Users/ana/project/app.py"),
        ("file:///C:/Users/ana/project/app.py", "c:/Users/ana/project/app.py"),
        ("file:///home/ana/my%20project/app.py", "/home/ana/my project/app.py"),
        ("untitled:Untitled-1", None),
    ],
)
def test_path_of(uri, path):
    assert path_of(uri) == path


@pytest.mark.parametrize("root", ["file:///C:/Users/ana/project", "file:///c%3A/Users/ana/project"])
@pytest.mark.parametrize(
    "uri",
    [
        "file:///c%3A/Users/ana/project/deploy/.env",
        "file:///C:/Users/ana/project/deploy/.env",
    ],
)
def test_windows_drive_uris_match_the_root_and_the_secret_rules(root, uri):
    service = Codestral(env={"CODESTRAL_API_KEY": "k"})
    service.set_root(path_of(root))
    doc = service.open_document(uri, "dotenv", 1, "TOKEN=1\n", path=path_of(uri))
    assert service.relative_path(uri) == "deploy/.env"
    refusal = service.refusal(doc)
    assert refusal is not None and refusal.kind == "secret_file"


def test_a_drive_uri_under_an_excluded_folder_is_refused():
    service = Codestral(env={"CODESTRAL_API_KEY": "k"})
    service.set_layer("init", {"completion": {"exclude": ["private/**"]}})
    service.set_root(path_of("file:///C:/work"))
    uri = "file:///c%3A/work/private/notes.py"
    doc = service.open_document(uri, "python", 1, "x = 1\n", path=path_of(uri))
    assert service.file_name(doc) == "private/notes.py"
    assert service.refusal(doc) is not None
    plain = service.open_document("file:///c%3A/work/app.py", "python", 1, "x\n", "c:/work/app.py")
    assert service.refusal(plain) is None
