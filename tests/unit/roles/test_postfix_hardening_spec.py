"""The role's contract files agree with each other."""

import pathlib
import runpy

import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
ROLE = REPO / "roles" / "postfix_hardening"


def _spec_options():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def test_every_default_is_in_the_argument_spec_with_the_same_default():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    options = _spec_options()
    assert sorted(defaults) == sorted(options)
    for name, value in defaults.items():
        assert options[name].get("default") == value, name
        assert options[name]["description"], name


def test_every_variable_is_prefixed_with_the_role_name():
    assert all(name.startswith("postfix_hardening_") for name in _spec_options())


def test_readme_variables_table_is_generated_from_the_spec():
    module = runpy.run_path(str(REPO / "scripts" / "role_readme.py"))
    assert module["main"](["--check"]) == 0
