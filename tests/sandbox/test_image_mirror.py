"""The offline base's Debian mirror: from the host's apt sources (one-line and deb822), an option, or
debootstrap's own default; the kit names no mirror host itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.sandbox import image
from autograder.sandbox.image import apt_debian_mirror


def _apt(tmp_path: Path, sources_list: str = "", **parts: str) -> Path:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    if sources_list:
        (apt / "sources.list").write_text(sources_list)
    for name, text in parts.items():
        (apt / "sources.list.d" / name.replace("__", ".")).write_text(text)
    return apt


def test_one_line_sources_list(tmp_path):
    apt = _apt(tmp_path, "# a comment\n"
                         "deb-src http://src.example/debian bookworm main\n"
                         "deb http://security.example/debian-security bookworm-security main\n"
                         "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main contrib\n")
    assert apt_debian_mirror("bookworm", apt) == "http://mirror.example/debian"


def test_deb822_sources_with_comments_continuations_and_disabled_stanzas(tmp_path):
    apt = _apt(tmp_path, debian__sources=(
        "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n\n"
        "Types: deb deb-src\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
        "URIs: http://one.example/debian\nSuites: bookworm\n bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://one.example/debian-security\nSuites: bookworm-security\n"))
    assert apt_debian_mirror("bookworm", apt) == "http://one.example/debian"


def test_a_mirror_serving_the_suite_wins_else_any_debian_mirror(tmp_path):
    apt = _apt(tmp_path, "deb http://old.example/debian bullseye main\n",
               z__list="deb https://new.example/debian bookworm main\n")
    assert apt_debian_mirror("bookworm", apt) == "https://new.example/debian"
    assert apt_debian_mirror("trixie", apt) == "http://old.example/debian"  # the first Debian mirror


@pytest.mark.parametrize("sources", ["", "deb http://archive.ubuntu.com/ubuntu noble main\n",
                                     "deb cdrom:[Debian 12]/ bookworm main\n"])
def test_no_debian_mirror_is_none(tmp_path, sources):
    assert apt_debian_mirror("bookworm", _apt(tmp_path, sources)) is None
    assert apt_debian_mirror("bookworm", tmp_path / "missing") is None


class _NoImage:
    class images:
        @staticmethod
        def get(tag):
            import docker

            raise docker.errors.ImageNotFound(tag)

    class api:
        @staticmethod
        def import_image_from_file(*args, **kwargs):
            pass


@pytest.mark.parametrize("option, host, expected", [
    ("http://option.example/debian", "http://host.example/debian", ["http://option.example/debian"]),
    (None, "http://host.example/debian", ["http://host.example/debian"]),
    (None, None, []),  # debootstrap's own default: no mirror argument at all
])
def test_debootstrap_gets_the_option_else_the_host_mirror_else_none(tmp_path, monkeypatch, option, host, expected):
    calls = []

    def fake_run(cmd, what, log):
        calls.append(cmd)
        (Path(cmd[-1] if not expected else cmd[-2]) / "usr" / "bin").mkdir(parents=True)

    monkeypatch.setattr(image, "CACHE_DIR", tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    monkeypatch.setattr(image, "_run", fake_run)
    monkeypatch.setattr(image.shutil, "which", lambda name: "/usr/sbin/debootstrap")
    monkeypatch.setattr(image, "apt_debian_mirror", lambda suite: host)
    image.build_offline_base(_NoImage(), suite="bookworm", mirror=option, log=lambda line: None)
    (cmd,) = calls
    assert cmd[:4] == ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm"]
    assert cmd[5:] == expected


def test_the_kit_names_no_debian_host():
    source = Path(image.__file__).read_text(encoding="utf-8")
    assert "debian.org" not in source
