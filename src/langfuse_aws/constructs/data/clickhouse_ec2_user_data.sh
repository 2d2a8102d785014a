#!/bin/bash
# ClickHouse on EC2 (langfuse-aws, clickhouse.mode ec2): the first boot of each instance.
#
# The construct puts these settings above this script: VOLUME_ID, ADDRESS_ID (the network
# interface that carries ClickHouse's fixed address), REGION, STACK_NAME, SIGNAL_RESOURCE (the
# Auto Scaling group's logical id), IMAGE, REGISTRY (the ECR registry to log in to, or empty),
# PASSWORD_SECRET, LOG_GROUP, CLICKHOUSE_USER, CONFIG_XML and AGENT_CONFIG; with ClickHouse's
# own backups also BACKUP_LOG_GROUP, BACKUP_MEMORY_MIB and the array BACKUP_COMMAND (the daily
# backup loop: entry point, then its arguments).
#
# Order: claim the data volume (only once the instance before has released it), claim the
# address, format the volume only if it has no file system, mount it, start ClickHouse, start
# the backup loop once ClickHouse answers, and tell CloudFormation. A volume that is not Multi-Attach attaches to one instance at a
# time, so two servers never write the same data. ROOT is empty on an instance; the tests
# point it at a scratch directory and put stand-ins for the commands first on the PATH.
set -euo pipefail

ROOT="${ROOT:-}"
DATA_DIR=/var/lib/clickhouse
ETC_DIR=/etc/clickhouse-langfuse
IMDS=http://169.254.169.254/latest
AGENT_DIR=/opt/aws/amazon-cloudwatch-agent
export AWS_DEFAULT_REGION="$REGION"
INSTANCE_ID=unknown
ADDRESS_IP=""

log() { echo "clickhouse-boot: $*" >&2; }

signal() {
  aws cloudformation signal-resource --stack-name "$STACK_NAME" \
    --logical-resource-id "$SIGNAL_RESOURCE" --unique-id "$INSTANCE_ID" --status "$1" ||
    log "could not signal $1"
}

fail() {
  log "failed: $*"
  exit 1
}

# Whatever stops this script early (set -e, fail) tells CloudFormation at once, instead of
# letting it wait for the signal's timeout.
on_exit() {
  [ "$1" -eq 0 ] || signal FAILURE
}
trap 'on_exit $?' EXIT

# IMDSv2 only: a session token first, then the instance id.
token=$(curl -sSf -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
INSTANCE_ID=$(curl -sSf -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/instance-id")
log "instance $INSTANCE_ID"

dnf install -y docker amazon-cloudwatch-agent e2fsprogs
systemctl enable --now docker

# An instance of this group that was stopped still holds the volume and the address without
# writing: only those are released here. A running, stopping or terminating one keeps them
# until AWS detaches them when it is gone.
holder_stopped() {
  [ "$(aws ec2 describe-instances --instance-ids "$1" \
    --query 'Reservations[0].Instances[0].State.Name' --output text)" = stopped ]
}

claim_volume() {
  local state holder attachment
  while :; do
    read -r state holder attachment < <(aws ec2 describe-volumes --volume-ids "$VOLUME_ID" \
      --query 'Volumes[0].[State,Attachments[0].InstanceId,Attachments[0].State]' \
      --output text) || true
    if [ "$state" = in-use ] && [ "$holder" = "$INSTANCE_ID" ]; then
      if [ "$attachment" = attached ]; then return 0; fi
    elif [ "$state" = available ]; then
      aws ec2 attach-volume --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" \
        --device /dev/sdf || log "attach-volume refused; trying again"
    elif [ "$state" = in-use ] && holder_stopped "$holder"; then
      aws ec2 detach-volume --volume-id "$VOLUME_ID" --instance-id "$holder" ||
        log "detach-volume refused; trying again"
    else
      log "volume $VOLUME_ID is $state ($holder); waiting until it is released"
    fi
    sleep 5
  done
}

claim_address() {
  local state holder attachment attachment_id
  while :; do
    read -r state holder attachment attachment_id ADDRESS_IP < <(
      aws ec2 describe-network-interfaces --network-interface-ids "$ADDRESS_ID" \
        --query 'NetworkInterfaces[0].[Status,Attachment.InstanceId,Attachment.Status,Attachment.AttachmentId,PrivateIpAddress]' \
        --output text
    ) || true
    if [ "$state" = in-use ] && [ "$holder" = "$INSTANCE_ID" ]; then
      if [ "$attachment" = attached ]; then return 0; fi
    elif [ "$state" = available ]; then
      aws ec2 attach-network-interface --network-interface-id "$ADDRESS_ID" \
        --instance-id "$INSTANCE_ID" --device-index 1 ||
        log "attach-network-interface refused; trying again"
    elif [ "$state" = in-use ] && holder_stopped "$holder"; then
      aws ec2 detach-network-interface --attachment-id "$attachment_id" ||
        log "detach-network-interface refused; trying again"
    else
      log "address $ADDRESS_ID is $state ($holder); waiting until it is released"
    fi
    sleep 5
  done
}

claim_volume
claim_address

# Nitro instances show an EBS volume as an NVMe device whose serial is the volume id.
device="$ROOT/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID//-/}"
for _ in $(seq 120); do
  if [ -e "$device" ]; then break; fi
  sleep 1
done
[ -e "$device" ] || fail "no device for $VOLUME_ID"

# Format only a volume without a file system (blkid exits 2 when it finds none); never one
# that has data, whatever happens.
if fstype=$(blkid -p -o value -s TYPE "$device"); then
  [ "$fstype" = ext4 ] || fail "$VOLUME_ID has a $fstype file system, not ext4"
  log "$VOLUME_ID has its ext4 file system"
else
  probe=$?
  [ "$probe" -eq 2 ] || fail "blkid could not read $VOLUME_ID (exit $probe)"
  log "$VOLUME_ID is new: formatting it"
  mkfs.ext4 -q -L clickhouse "$device"
fi
uuid=$(blkid -p -o value -s UUID "$device")
mkdir -p "$ROOT$DATA_DIR"
grep -q "^UUID=$uuid " "$ROOT/etc/fstab" ||
  echo "UUID=$uuid $DATA_DIR ext4 defaults,noatime,nofail 0 2" >>"$ROOT/etc/fstab"
mount "$DATA_DIR"
chown 101:101 "$ROOT$DATA_DIR"

# ClickHouse's settings (config.d) and password: the password only in a root-only file.
mkdir -p "$ROOT$ETC_DIR/config.d"
printf '%s\n' "$CONFIG_XML" >"$ROOT$ETC_DIR/config.d/langfuse.xml"
chmod 644 "$ROOT$ETC_DIR/config.d/langfuse.xml"
password=$(aws secretsmanager get-secret-value --secret-id "$PASSWORD_SECRET" \
  --query SecretString --output text)
(umask 077 && printf 'CLICKHOUSE_PASSWORD=%s\n' "$password" >"$ROOT$ETC_DIR/password.env")
unset password

if [ -n "$REGISTRY" ]; then
  aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"
fi
docker pull "$IMAGE"

# systemd restarts ClickHouse when it stops, and never before the volume is mounted.
cat >"$ROOT/etc/systemd/system/clickhouse.service" <<UNIT
[Unit]
Description=ClickHouse for Langfuse
Requires=docker.service
After=docker.service
RequiresMountsFor=$DATA_DIR

[Service]
ExecStartPre=-/usr/bin/docker rm -f clickhouse
ExecStart=/usr/bin/docker run --name clickhouse --rm --network host \\
  --ulimit nofile=262144:262144 --stop-timeout 120 \\
  --env-file $ETC_DIR/password.env \\
  -e CLICKHOUSE_USER=$CLICKHOUSE_USER -e CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT=1 -e TZ=UTC \\
  -v $DATA_DIR:/var/lib/clickhouse \\
  -v $ETC_DIR/config.d/langfuse.xml:/etc/clickhouse-server/config.d/langfuse.xml:ro \\
  --log-driver awslogs --log-opt awslogs-region=$REGION --log-opt awslogs-group=$LOG_GROUP \\
  --log-opt awslogs-stream=clickhouse/$INSTANCE_ID \\
  $IMAGE
ExecStop=/usr/bin/docker stop --time 120 clickhouse
TimeoutStopSec=150
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT

# Disk use of the data volume, for the disk alarm.
mkdir -p "$ROOT$AGENT_DIR/etc"
printf '%s\n' "$AGENT_CONFIG" >"$ROOT$AGENT_DIR/etc/amazon-cloudwatch-agent.json"
"$ROOT$AGENT_DIR/bin/amazon-cloudwatch-agent-ctl" -a fetch-config -m ec2 -s \
  -c "file:$AGENT_DIR/etc/amazon-cloudwatch-agent.json"

systemctl daemon-reload
systemctl enable --now clickhouse.service

ready=no
for _ in $(seq 360); do
  if curl -sSf -o /dev/null http://127.0.0.1:8123/ping; then
    ready=yes
    break
  fi
  sleep 5
done
[ "$ready" = yes ] || fail "ClickHouse did not answer /ping"
# The second network interface comes up by itself (amazon-ec2-net-utils); wait for its address.
address_up() { grep -q " $ADDRESS_IP/" <<<"$(ip -o -4 addr show)"; }
for _ in $(seq 60); do
  if address_up; then break; fi
  sleep 5
done
address_up || fail "address $ADDRESS_IP is not up"
log "ClickHouse answers on $ADDRESS_IP"

# ClickHouse's daily backup: the loop in a second container of the same image (its
# clickhouse-client speaks the server's version) on the host's network, where it reaches the
# server on 127.0.0.1; as the clickhouse user on a read-only root (it writes no file), with a
# memory limit; Docker restarts it after a reboot or a crash. Its result lines go to the log
# group whose metric filters the backup alarms count.
if [ -n "${BACKUP_LOG_GROUP:-}" ]; then
  docker rm -f clickhouse-backup >/dev/null 2>&1 || true
  docker run -d --name clickhouse-backup --restart unless-stopped --network host \
    --user 101 --read-only --memory "${BACKUP_MEMORY_MIB}m" \
    --log-driver awslogs --log-opt awslogs-region="$REGION" \
    --log-opt awslogs-group="$BACKUP_LOG_GROUP" \
    --log-opt awslogs-stream="clickhouse-backup/$INSTANCE_ID" \
    --env-file "$ETC_DIR/password.env" -e CLICKHOUSE_USER="$CLICKHOUSE_USER" \
    --entrypoint "${BACKUP_COMMAND[0]}" "$IMAGE" "${BACKUP_COMMAND[@]:1}"
  log "backup loop started"
fi
signal SUCCESS
