"""Tests for nba_ml.deploy.kubernetes: the manifests pass the Kubernetes schemas (strict, with
kubernetes-validate: no cluster needed) and say what deploy/README.md promises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nba_ml.deploy.kubernetes import render_kubernetes
from nba_ml.errors import ConfigError

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the test extra (kubernetes-validate)")

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "kubernetes"
# The oldest Kubernetes the manifests are for (CronJob timeZone: 1.27; a podFailurePolicy rule
# without onPodConditions: 1.29), and the newest schemas kubernetes-validate ships.
OLDEST = "1.29.0"


def _documents(files: dict[str, str]) -> list[dict[str, Any]]:
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def _by_kind(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in _documents(files)}


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def test_the_shipped_manifests_validate_against_the_kubernetes_schemas() -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is in the test extra"
    )
    from kubernetes_validate.utils import latest_version

    files = {path.name: path.read_text() for path in sorted(SHIPPED.glob("*.yaml"))}
    assert sorted(files) == ["data.yaml", "train.yaml", "web.yaml"]
    documents = _documents(files)
    assert [doc["kind"] for doc in documents] == [
        "PersistentVolumeClaim",
        "CronJob",
        "Deployment",
        "Service",
    ]
    for version in (OLDEST, latest_version()):
        for doc in documents:
            validate.validate(doc, version, strict=True)  # raises ValidationError


def test_a_broken_manifest_is_refused_by_the_validation() -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is in the test extra"
    )
    cronjob = _by_kind(render_kubernetes())["CronJob"]
    cronjob["spec"]["concurrencyPolicy"] = ["Forbid"]
    with pytest.raises(validate.ValidationError):
        validate.validate(cronjob, OLDEST, strict=True)
    cronjob = _by_kind(render_kubernetes())["CronJob"]
    cronjob["spec"]["timezone"] = "America/Chicago"  # misspelt: strict refuses unknown fields
    with pytest.raises(validate.ValidationError):
        validate.validate(cronjob, OLDEST, strict=True)


def test_the_cronjob_trains_daily_in_chicago_once_at_a_time_with_bounds() -> None:
    spec = _by_kind(render_kubernetes())["CronJob"]["spec"]
    assert (spec["schedule"], spec["timeZone"]) == ("0 4 * * *", "America/Chicago")
    assert spec["concurrencyPolicy"] == "Forbid" and spec["startingDeadlineSeconds"] > 0
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 3 and job["activeDeadlineSeconds"] == 3600
    assert job["podFailurePolicy"]["rules"] == [
        {
            "action": "FailJob",
            "onExitCodes": {"containerName": "train", "operator": "In", "values": [1, 2, 3]},
        }
    ]
    (train,) = _pod(_by_kind(render_kubernetes())["CronJob"])["containers"]
    assert train["command"] == ["nba-ml", "train", "--force"]


def test_the_web_role_ensures_a_set_first_and_is_ready_on_healthz() -> None:
    pod = _pod(_by_kind(render_kubernetes())["Deployment"])
    assert [c["name"] for c in pod["initContainers"]] == ["volume-owner", "ensure"]
    assert pod["initContainers"][1]["command"] == ["nba-ml", "ensure"]
    (web,) = pod["containers"]
    assert "command" not in web  # the image's default: gunicorn nba_ml.web:app on 8000
    assert web["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["ports"] == [{"name": "http", "containerPort": 8000}]
    assert {"name": "data", "mountPath": "/var/lib/nba-ml", "readOnly": True} in (
        web["volumeMounts"]
    )


def test_every_container_is_non_root_read_only_and_without_capabilities_but_one_chown() -> None:
    for doc in _documents(render_kubernetes()):
        if doc["kind"] not in ("Deployment", "CronJob"):
            continue
        pod = _pod(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["automountServiceAccountToken"] is False
        assert "fsGroup" not in pod["securityContext"]  # it would make the volume group-writable
        for container in pod["initContainers"] + pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            if container["name"] == "volume-owner":
                assert security["runAsUser"] == 0
                assert security["capabilities"]["add"] == ["CHOWN", "FOWNER"]
                assert container["command"][-1] == (
                    "chown 10001:10001 /var/lib/nba-ml && chmod 0750 /var/lib/nba-ml"
                )
            else:
                assert "runAsUser" not in security
                assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_every_parameter_reaches_the_manifests() -> None:
    files = render_kubernetes(
        "registry.example.com/team/nba-ml:1.2", 5, 30, "Europe/Berlin", "/data/nba", "10Gi"
    )
    kinds = _by_kind(files)
    assert kinds["CronJob"]["spec"]["schedule"] == "30 5 * * *"
    assert kinds["CronJob"]["spec"]["timeZone"] == "Europe/Berlin"
    assert kinds["PersistentVolumeClaim"]["spec"]["resources"]["requests"]["storage"] == "10Gi"
    for doc in (kinds["CronJob"], kinds["Deployment"]):
        for container in _pod(doc)["initContainers"] + _pod(doc)["containers"]:
            assert container["image"] == "registry.example.com/team/nba-ml:1.2"
            assert container["volumeMounts"][0]["mountPath"] == "/data/nba"
            if "env" in container:
                assert {"name": "NBA_ML_DATA_DIR", "value": "/data/nba"} in container["env"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": "Bad Image"}, "not an image reference"),
        ({"image": "nba-ml:1.0\nkind: Secret"}, "not an image reference"),
        ({"hour": 24}, "out of range"),
        ({"timezone": "Mars/Olympus"}, "not a known time zone"),
        ({"data_dir": "relative"}, "absolute path"),
        ({"storage": "2GB"}, "storage"),
    ],
)
def test_bad_values_raise_config_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_kubernetes(**kwargs)
