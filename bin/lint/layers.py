"""`make lint`: the import layers of bin/lint/importlinter.ini, checked by
import-linter.

CKAN's ``ckanext`` is a package of its own in site-packages, holding every
installed extension; import-linter would read that one (and not this
checkout). So the check reads a ``ckanext`` that holds this package alone: a
folder with an empty ``ckanext/__init__.py`` and a link to this checkout's
``ckanext/datapusherplusapi``, first on the path, with site-packages (where
import-linter lives) last and no ``.pth`` file read.

    python -S bin/lint/layers.py WORK_FOLDER SITE_PACKAGES
"""
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(work: str, site_packages: str) -> None:
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "ckanext"))
    open(os.path.join(work, "ckanext", "__init__.py"), "w").close()
    os.symlink(os.path.join(REPO, "ckanext", "datapusherplusapi"),
               os.path.join(work, "ckanext", "datapusherplusapi"))
    sys.path[:0] = [work]
    sys.path.append(site_packages)
    from importlinter.cli import lint_imports_command  # noqa: PLC0415 (site-packages is on the path only now)
    sys.argv = ["lint-imports", "--config", os.path.join(REPO, "bin", "lint", "importlinter.ini"),
                "--no-cache"]
    lint_imports_command()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
