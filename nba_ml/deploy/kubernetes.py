"""The Kubernetes manifests that run the image of deploy/Containerfile.

Standard library only. The files under ``deploy/kubernetes/`` are :func:`render_kubernetes` for
the defaults (nba_ml.deploy.renderers.default_deploy_files; a test compares them and validates
them against the Kubernetes schemas).

- ``data.yaml``: the PersistentVolumeClaim both roles share.
- ``web.yaml``: the web Deployment and its Service. Init containers give the volume to the
  image's user (the only step as root: ``chown`` of the volume's top directory, two
  capabilities) and run ``nba-ml ensure`` (a first set before the server starts, as the
  ``ExecStartPre=`` of the systemd drop-in does); readiness is ``/healthz``.
- ``train.yaml``: the CronJob, ``nba-ml train --force`` at 04:00 America/Chicago.

Why ``chown`` and not ``fsGroup``: the kubelet makes a volume with an ``fsGroup`` group-writable
(and every file in it, at each mount with the default policy), and nba-ml refuses to unpickle
models in a directory that its group may write. Owned by the user itself, mode 0750, the volume
passes the rules unchanged.
"""

from __future__ import annotations

import re

from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    check_time,
    zone_info,
)
from nba_ml.deploy.containers import (
    DEFAULT_IMAGE,
    IMAGE_DATA_DIR,
    IMAGE_UID,
    WEB_PORT,
    check_image,
)
from nba_ml.deploy.names import check_path
from nba_ml.errors import ConfigError

KUBERNETES_DIR = "kubernetes"
DEFAULT_STORAGE = "2Gi"
_STORAGE = re.compile(r"^[1-9][0-9]{0,5}(Mi|Gi|Ti)$")

_HEAD = """\
# {name}: {what}
# Rendered by nba_ml.deploy.kubernetes.render_kubernetes (`nba-ml schedule kubernetes`); see
# "Kubernetes" in deploy/README.md. kubectl apply -f deploy/kubernetes/
"""

_DATA = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: nba-ml-data
  labels:
    app.kubernetes.io/name: nba-ml
spec:
  # ReadWriteOnce: the web pod and the training pods share one node (the CronJob's podAffinity).
  # With more web replicas across nodes, use a ReadWriteMany storage class.
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: {storage}
"""

# The pod-level security context of every pod: the image's user, no privilege.
_POD_SECURITY = """\
      securityContext:
        runAsNonRoot: true
        runAsUser: {uid}
        runAsGroup: {uid}
        seccompProfile:
          type: RuntimeDefault"""

_CONTAINER_SECURITY = """\
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL"""

# The one step as root: the volume's top directory to the image's user, mode 0750.
_VOLUME_OWNER = """\
        - name: volume-owner
          image: {image}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "chown {uid}:{uid} {data_dir} && chmod 0750 {data_dir}"]
          securityContext:
            runAsUser: 0
            runAsNonRoot: false
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
              add:
                - CHOWN
                - FOWNER
          volumeMounts:
            - name: data
              mountPath: {data_dir}"""

_VOLUMES = """\
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: nba-ml-data
        - name: tmp
          emptyDir: {{}}"""

_WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nba-ml-web
  labels:
    app.kubernetes.io/name: nba-ml
    app.kubernetes.io/component: web
spec:
  # One replica: see the claim's access mode in data.yaml.
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: nba-ml
      app.kubernetes.io/component: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nba-ml
        app.kubernetes.io/component: web
    spec:
      automountServiceAccountToken: false
{pod_security}
      initContainers:
{volume_owner}
        # The ExecStartPre= of the systemd drop-in: returns at once when a valid set exists,
        # trains one otherwise (minutes, from stats.nba.com); waits for the training lock.
        - name: ensure
          image: {image}
          imagePullPolicy: IfNotPresent
          command: ["nba-ml", "ensure"]
          env:
            - name: NBA_ML_DATA_DIR
              value: {data_dir}
            - name: NBA_ML_WAIT
              value: "900"
{container_security}
          volumeMounts:
            - name: data
              mountPath: {data_dir}
            - name: tmp
              mountPath: /tmp
      containers:
        # gunicorn nba_ml.web:app (the image's default command); follows each new set.
        - name: web
          image: {image}
          imagePullPolicy: IfNotPresent
          env:
            - name: NBA_ML_DATA_DIR
              value: {data_dir}
          ports:
            - name: http
              containerPort: {port}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
          # Alive while gunicorn listens: /healthz is 503 while no set is loaded, which a
          # restart would not fix.
          livenessProbe:
            tcpSocket:
              port: http
            initialDelaySeconds: 30
            periodSeconds: 20
{container_security}
          resources:
            requests:
              cpu: 100m
              memory: 512Mi
          volumeMounts:
            - name: data
              mountPath: {data_dir}
              readOnly: true
            - name: tmp
              mountPath: /tmp
      terminationGracePeriodSeconds: 40
{volumes}
---
apiVersion: v1
kind: Service
metadata:
  name: nba-ml-web
  labels:
    app.kubernetes.io/name: nba-ml
    app.kubernetes.io/component: web
spec:
  selector:
    app.kubernetes.io/name: nba-ml
    app.kubernetes.io/component: web
  ports:
    - name: http
      port: 80
      targetPort: http
"""

_TRAIN = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nba-ml-train
  labels:
    app.kubernetes.io/name: nba-ml
    app.kubernetes.io/component: train
spec:
  # {at}, once on days of a DST change (timeZone: Kubernetes 1.27 and later).
  schedule: "{minute} {hour} * * *"
  timeZone: {timezone}
  # Never two trainings at once (nba-ml's lock on the volume would make the second exit 75).
  concurrencyPolicy: Forbid
  # A run missed while the control plane was down starts when it is back within 20 hours.
  startingDeadlineSeconds: 72000
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 3
  jobTemplate:
    spec:
      # 75 (stats.nba.com down, the lock held) and crashes are retried; 1, 2 and 3 (kept out by
      # the promotion gate) are final, as in nba-ml-train.service.
      backoffLimit: 3
      activeDeadlineSeconds: 3600
      podFailurePolicy:
        rules:
          - action: FailJob
            onExitCodes:
              containerName: train
              operator: In
              values: [1, 2, 3]
      template:
        metadata:
          labels:
            app.kubernetes.io/name: nba-ml
            app.kubernetes.io/component: train
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          # On the web pod's node: the claim is ReadWriteOnce.
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - labelSelector:
                    matchLabels:
                      app.kubernetes.io/name: nba-ml
                      app.kubernetes.io/component: web
                  topologyKey: kubernetes.io/hostname
{pod_security}
          initContainers:
{volume_owner}
          containers:
            - name: train
              image: {image}
              imagePullPolicy: IfNotPresent
              command: ["nba-ml", "train", "--force"]
              env:
                - name: NBA_ML_DATA_DIR
                  value: {data_dir}
{container_security}
              volumeMounts:
                - name: data
                  mountPath: {data_dir}
                - name: tmp
                  mountPath: /tmp
          # SIGTERM ends a training as `stopped` (exit 143); the installed set stays complete.
          terminationGracePeriodSeconds: 60
{volumes}
"""


def _indent(text: str, spaces: int) -> str:
    return "\n".join((" " * spaces + line) if line else line for line in text.splitlines())


def render_kubernetes(
    image: str = DEFAULT_IMAGE,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
    data_dir: str = IMAGE_DATA_DIR,
    storage: str = DEFAULT_STORAGE,
) -> dict[str, str]:
    """Return the manifests by file name (``data.yaml``, ``web.yaml``, ``train.yaml``) for
    ``image``, training daily at ``hour:minute`` in ``timezone``, with the volume mounted at
    ``data_dir`` (the image's /var/lib/nba-ml by default). Raises ConfigError."""
    check_image(image)
    check_time(hour, minute)
    zone_info(timezone)
    check_path("data directory", data_dir)
    if not _STORAGE.fullmatch(storage):
        raise ConfigError(f"storage {storage!r} must be a size such as 2Gi (Mi, Gi or Ti)")
    parts = {"image": image, "uid": IMAGE_UID, "data_dir": data_dir}
    pod_security = _POD_SECURITY.format(**parts)
    volume_owner = _VOLUME_OWNER.format(**parts)
    web = _WEB.format(
        pod_security=pod_security,
        volume_owner=volume_owner,
        container_security=_CONTAINER_SECURITY,
        volumes=_VOLUMES.format(),
        port=WEB_PORT,
        **parts,
    )
    train = _TRAIN.format(
        pod_security=_indent(pod_security, 4),
        volume_owner=_indent(volume_owner, 4),
        container_security=_indent(_CONTAINER_SECURITY, 4),
        volumes=_indent(_VOLUMES.format(), 4),
        hour=hour,
        minute=minute,
        timezone=timezone,
        at=f"{hour:02d}:{minute:02d} {timezone}",
        **parts,
    )
    return {
        "data.yaml": _HEAD.format(
            name="data.yaml", what="the volume of the models and the game data"
        )
        + _DATA.format(storage=storage),
        "web.yaml": _HEAD.format(
            name="web.yaml", what="the web app (gunicorn nba_ml.web:app) and its Service"
        )
        + web,
        "train.yaml": _HEAD.format(
            name="train.yaml", what=f"the daily training at {hour:02d}:{minute:02d} {timezone}"
        )
        + train,
    }
