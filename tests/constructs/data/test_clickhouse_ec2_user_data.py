"""The first boot of a ClickHouse instance (clickhouse_ec2_user_data.sh), run with stand-ins.

Every command that touches AWS, the disk or systemd is replaced by a stand-in that records its
call; ROOT points the files the script writes at a scratch directory. What the stand-ins
answer follows the tools' documented behaviour:

- ``aws ec2 describe-volumes --query 'Volumes[0].[State,Attachments[0].InstanceId,
  Attachments[0].State]' --output text`` prints the three fields separated by tabs, ``None``
  for a missing one; a volume is ``available`` or ``in-use`` (EC2 API Reference, Volume).
- ``blkid -p`` exits 2 when it finds no file system signature on the device (util-linux
  blkid(8), "RETURN CODE"), and prints the type with ``-o value -s TYPE`` when it does.
- On Nitro instances an EBS volume appears as /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_
  followed by the volume id without its dash (Amazon EBS User Guide, "Amazon EBS and NVMe").
- ``docker run`` (Docker CLI reference): ``-d`` detached; ``--restart unless-stopped``
  restarts the container when it exits and when the daemon starts, unless it was stopped;
  ``--network host`` shares the host's network (127.0.0.1 is the host's); ``--user``,
  ``--read-only`` (read-only root file system), ``--memory 256m`` (hard limit);
  ``--entrypoint`` replaces the image's ENTRYPOINT and the words after the image are its
  arguments; ``--env-file`` reads NAME=value lines; the awslogs driver's ``awslogs-region``,
  ``awslogs-group`` and ``awslogs-stream`` options name where the lines go.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from langfuse_aws import clickhouse_backups
from langfuse_aws.constructs.data.clickhouse_ec2 import USER_DATA, user_data_lines

VOLUME = "vol-0123456789abcdef0"
ADDRESS = "eni-0123456789abcdef0"
ADDRESS_IP = "10.20.1.50"
SETTINGS = {
    "VOLUME_ID": VOLUME,
    "ADDRESS_ID": ADDRESS,
    "REGION": "eu-west-1",
    "STACK_NAME": "langfuse-tt",
    "SIGNAL_RESOURCE": "ClickHouseGroupASG43720264",
    "IMAGE": "clickhouse/clickhouse-server:26.4.4.38",
    "REGISTRY": "",
    "PASSWORD_SECRET": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ch-AbCdEf",
    "LOG_GROUP": "ch-logs",
    "CLICKHOUSE_USER": "langfuse",
    "CONFIG_XML": '<clickhouse><timezone>UTC</timezone><trace_log remove="1"/></clickhouse>',
    "AGENT_CONFIG": '{"agent":{"omit_hostname":true}}',
}
BACKUP_SETTINGS = {"BACKUP_LOG_GROUP": "ch-backup-logs", "BACKUP_MEMORY_MIB": "256"}
# The loop the backups construct hands the server, for a bucket name of S3's longest (63).
LOOP = clickhouse_backups.scheduled_backup_loop(
    clickhouse_backups.BackupLocation(bucket="b" * 63, region="eu-west-1"), "127.0.0.1", 9000, 3
)

# Each stand-in appends "<name> <args>" to calls.log. aws answers from state files: a volume
# or address file holds one answer per line, the first consumed per call until one is left.
STANDINS = {
    "aws": r"""
echo "aws $*" >>"$ROOT/calls.log"
next() { local f="$ROOT/state/$1"; head -n1 "$f"; if [ "$(wc -l <"$f")" -gt 1 ]; then sed -i 1d "$f"; fi; }
case "$1 $2" in
  "ec2 describe-volumes") next volume ;;
  "ec2 attach-volume") printf 'in-use\ti-new\tattached\n' >"$ROOT/state/volume" ;;
  "ec2 detach-volume") printf 'available\tNone\tNone\n' >"$ROOT/state/volume" ;;
  "ec2 describe-network-interfaces") next address ;;
  "ec2 attach-network-interface")
    printf 'in-use\ti-new\tattached\teni-attach-2\t10.20.1.50\n' >"$ROOT/state/address" ;;
  "ec2 detach-network-interface")
    printf 'available\tNone\tNone\tNone\t10.20.1.50\n' >"$ROOT/state/address" ;;
  "ec2 describe-instances") cat "$ROOT/state/holder" ;;
  "secretsmanager get-secret-value") echo s3cret ;;
esac
""",
    "curl": r"""
echo "curl $*" >>"$ROOT/calls.log"
case "$*" in
  *api/token*) echo token ;;
  *instance-id*) echo i-new ;;
  *ping*) [ -e "$ROOT/state/ping" ] ;;
esac
""",
    "blkid": r"""
echo "blkid $*" >>"$ROOT/calls.log"
case "$*" in
  *TYPE*) fs=$(cat "$ROOT/state/fs"); case "$fs" in none) exit 2 ;; error) exit 4 ;; esac
          echo "$fs" ;;
  *UUID*) echo 0b9e7c1e-1d2f-4a3b-9c8d-7e6f5a4b3c2d ;;
esac
""",
    "mkfs.ext4": 'echo "mkfs.ext4 $*" >>"$ROOT/calls.log"; echo ext4 >"$ROOT/state/fs"',
    "ip": r'echo "ip $*" >>"$ROOT/calls.log"; echo "3: ens6    inet 10.20.1.50/24 brd x"',
    # Records the first line of its words; a run keeps every word, NUL-separated.
    "docker": r"""
words="$*"
echo "docker ${words%%$'\n'*}" >>"$ROOT/calls.log"
if [ "$1" = run ]; then
  printf '%s\0' "$@" >"$ROOT/state/docker-run"
  [ ! -e "$ROOT/state/docker-run-fails" ]
fi
""",
}
RECORD_ONLY = ("dnf", "systemctl", "mount", "chown", "sleep")
AGENT_CTL = "opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"


def script_text(backup: bool = False) -> str:
    if backup:
        lines = user_data_lines(SETTINGS | BACKUP_SETTINGS, {"BACKUP_COMMAND": LOOP})
    else:
        lines = user_data_lines(SETTINGS)
    return "#!/bin/bash\n" + "\n".join(lines) + "\n"


def write(path: Path, text: str, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


class Boot:
    """A scratch root with stand-ins; ``run`` boots once and keeps the calls made."""

    def __init__(
        self, root: Path, *, volume: list[str], fs: str, ping: bool = True, backup: bool = False
    ) -> None:
        self.root = root
        bin_dir = root / "bin"
        for name, body in STANDINS.items():
            write(bin_dir / name, "#!/bin/bash\n" + body, executable=True)
        for name in RECORD_ONLY:
            write(bin_dir / name, f'#!/bin/bash\necho "{name} $*" >>"$ROOT/calls.log"\n', True)
        write(root / AGENT_CTL, '#!/bin/bash\necho "agent-ctl $*" >>"$ROOT/calls.log"\n', True)
        write(root / "state/volume", "".join(line + "\n" for line in volume))
        write(root / "state/address", "available\tNone\tNone\tNone\t10.20.1.50\n")
        write(root / "state/holder", "running\n")
        write(root / "state/fs", fs + "\n")
        if ping:
            write(root / "state/ping", "")
        write(
            root / f"dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_{VOLUME.replace('-', '')}", ""
        )
        write(root / "etc/fstab", "")
        (root / "etc/systemd/system").mkdir(parents=True)
        write(root / "boot.sh", script_text(backup))
        self.bin = bin_dir

    def run(self) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ROOT": str(self.root), "PATH": f"{self.bin}:{os.environ['PATH']}"}
        return subprocess.run(
            ["bash", str(self.root / "boot.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    @property
    def calls(self) -> list[str]:
        return (self.root / "calls.log").read_text().splitlines()

    def index(self, prefix: str) -> int:
        return next(i for i, call in enumerate(self.calls) if call.startswith(prefix))

    def called(self, prefix: str) -> bool:
        return any(call.startswith(prefix) for call in self.calls)


FREE = "available\tNone\tNone"
ATTACH = f"aws ec2 attach-volume --volume-id {VOLUME} --instance-id i-new"
SUCCESS = "aws cloudformation signal-resource --stack-name langfuse-tt --logical-resource-id "
SUCCESS += "ClickHouseGroupASG43720264 --unique-id i-new --status SUCCESS"
FAILURE = SUCCESS.replace("SUCCESS", "FAILURE")


def test_script_is_valid_bash() -> None:
    for text in (USER_DATA.read_text(), script_text(), script_text(backup=True)):
        checked = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_new_volume_is_attached_formatted_mounted_then_clickhouse_starts(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="none")
    done = boot.run()
    assert done.returncode == 0, done.stderr
    attach = boot.index(ATTACH)
    mkfs = boot.index("mkfs.ext4 -q -L clickhouse")
    mount = boot.index("mount /var/lib/clickhouse")
    start = boot.index("systemctl enable --now clickhouse.service")
    signal = boot.index(SUCCESS)
    assert attach < mkfs < mount < start < signal
    assert boot.index(f"aws ec2 attach-network-interface --network-interface-id {ADDRESS}") < start
    fstab = (tmp_path / "etc/fstab").read_text()
    assert fstab == (
        "UUID=0b9e7c1e-1d2f-4a3b-9c8d-7e6f5a4b3c2d /var/lib/clickhouse ext4 "
        "defaults,noatime,nofail 0 2\n"
    )


def test_volume_with_a_file_system_is_never_formatted(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="ext4")
    assert boot.run().returncode == 0
    assert not boot.called("mkfs")
    assert boot.index(ATTACH) < boot.index("mount /var/lib/clickhouse")
    assert boot.called(SUCCESS)


def test_waits_while_a_running_instance_holds_the_volume(tmp_path: Path) -> None:
    held = "in-use\ti-old\tattached"
    boot = Boot(tmp_path, volume=[held, held, "in-use\ti-old\tdetaching", FREE], fs="ext4")
    assert boot.run().returncode == 0
    assert not boot.called("aws ec2 detach-volume")
    describes = [i for i, c in enumerate(boot.calls) if c.startswith("aws ec2 describe-volumes")]
    assert len(describes) >= 4
    assert describes[3] < boot.index(ATTACH)


def test_a_stopped_holder_is_made_to_release_the_volume(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=["in-use\ti-old\tattached"], fs="ext4")
    write(tmp_path / "state/holder", "stopped\n")
    assert boot.run().returncode == 0
    detach = boot.index(f"aws ec2 detach-volume --volume-id {VOLUME} --instance-id i-old")
    assert detach < boot.index(ATTACH)


@pytest.mark.parametrize("fs", ["xfs", "error"])
def test_unreadable_or_foreign_file_system_stops_the_boot(tmp_path: Path, fs: str) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs=fs)
    assert boot.run().returncode != 0
    assert not boot.called("mkfs")
    assert not boot.called("systemctl enable --now clickhouse")
    assert boot.called(FAILURE)


def test_clickhouse_that_never_answers_fails_the_signal(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="ext4", ping=False)
    assert boot.run().returncode != 0
    assert boot.called(FAILURE)
    assert not boot.called(SUCCESS)


def test_server_runs_under_systemd_only_on_the_mounted_volume(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="none")
    assert boot.run().returncode == 0
    unit = (tmp_path / "etc/systemd/system/clickhouse.service").read_text()
    assert "RequiresMountsFor=/var/lib/clickhouse" in unit
    assert "--network host" in unit
    assert "-v /var/lib/clickhouse:/var/lib/clickhouse" in unit
    assert "-e CLICKHOUSE_USER=langfuse -e CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT=1" in unit
    assert "--log-opt awslogs-group=ch-logs" in unit
    assert unit.rstrip().splitlines()[-1] == "WantedBy=multi-user.target"
    assert "  clickhouse/clickhouse-server:26.4.4.38\n" in unit
    assert "s3cret" not in unit
    password = tmp_path / "etc/clickhouse-langfuse/password.env"
    assert password.read_text() == "CLICKHOUSE_PASSWORD=s3cret\n"
    assert stat.S_IMODE(password.stat().st_mode) == 0o600
    config = tmp_path / "etc/clickhouse-langfuse/config.d/langfuse.xml"
    assert config.read_text() == SETTINGS["CONFIG_XML"] + "\n"
    agent = tmp_path / "opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
    assert agent.read_text() == SETTINGS["AGENT_CONFIG"] + "\n"
    assert boot.index("agent-ctl -a fetch-config -m ec2 -s") < boot.index(SUCCESS)


def test_script_fits_in_ec2_user_data() -> None:
    """EC2 takes at most 16 KB of user data before base64 (EC2 User Guide, "Run commands when
    you launch an EC2 instance with user data input"); the settings here are full length, the
    backup loop's bucket name too."""
    assert len(script_text(backup=True).encode()) < 16 * 1024


# --- the backup loop ----------------------------------------------------------------------

BACKUP_RUN = "docker run -d --name clickhouse-backup"


def docker_run_words(root: Path) -> list[str]:
    return (root / "state/docker-run").read_text().split("\0")[:-1]


def test_backup_loop_starts_once_clickhouse_answers_and_before_the_signal(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="ext4", backup=True)
    done = boot.run()
    assert done.returncode == 0, done.stderr
    answered = boot.index("curl -sSf -o /dev/null http://127.0.0.1:8123/ping")
    assert boot.index("systemctl enable --now clickhouse.service") < answered
    assert answered < boot.index(BACKUP_RUN) < boot.index(SUCCESS)


def test_backup_container_runs_the_loop_beside_the_server_as_clickhouse(tmp_path: Path) -> None:
    """The words docker gets: the loop's entry point and its script exactly as the construct
    gave them, the server's image, its host network, user 101 (the image's clickhouse user),
    a read-only root, 256 MiB, restarts, the server's user and password file, and the backup
    log group of this instance."""
    boot = Boot(tmp_path, volume=[FREE], fs="ext4", backup=True)
    assert boot.run().returncode == 0
    assert docker_run_words(tmp_path) == [
        "run", "-d", "--name", "clickhouse-backup", "--restart", "unless-stopped",
        "--network", "host", "--user", "101", "--read-only", "--memory", "256m",
        "--log-driver", "awslogs", "--log-opt", "awslogs-region=eu-west-1",
        "--log-opt", "awslogs-group=ch-backup-logs",
        "--log-opt", "awslogs-stream=clickhouse-backup/i-new",
        "--env-file", "/etc/clickhouse-langfuse/password.env",
        "-e", "CLICKHOUSE_USER=langfuse",
        "--entrypoint", "/bin/sh", "clickhouse/clickhouse-server:26.4.4.38", "-c", LOOP[2],
    ]  # fmt: skip
    password = tmp_path / "etc/clickhouse-langfuse/password.env"
    assert password.read_text() == "CLICKHOUSE_PASSWORD=s3cret\n"


def test_without_backups_no_loop_is_started(tmp_path: Path) -> None:
    boot = Boot(tmp_path, volume=[FREE], fs="ext4")
    assert boot.run().returncode == 0
    assert not boot.called(BACKUP_RUN)
    assert boot.called(SUCCESS)


def test_a_backup_loop_that_cannot_start_fails_the_boot(tmp_path: Path) -> None:
    """No server goes into service silently without its backups: the deploy rolls back."""
    boot = Boot(tmp_path, volume=[FREE], fs="ext4", backup=True)
    write(tmp_path / "state/docker-run-fails", "")
    assert boot.run().returncode != 0
    assert boot.called(FAILURE)
    assert not boot.called(SUCCESS)
