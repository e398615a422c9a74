#!/usr/bin/env bash
# Run orderer N (0-based) in the foreground. network.sh up starts these in the background.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/fabric-bin.sh"
n=${1:?usage: orderer.sh N}
fabric_env
dir=$(orderer_dir "$n")
host=$(orderer_host "$n")  # 127.0.0.1, or the orderer's test address (up --hosts)

export FABRIC_CFG_PATH="$CONFIG/orderer"
export FABRIC_LOGGING_SPEC="${CITYDIR_NODE_LOG_SPEC:-INFO}"
export ORDERER_GENERAL_LISTENADDRESS=$host
export ORDERER_GENERAL_LISTENPORT; ORDERER_GENERAL_LISTENPORT=$(orderer_port "$n")
export ORDERER_GENERAL_LOCALMSPID="$ORDERER_MSP"
export ORDERER_GENERAL_LOCALMSPDIR="$dir/msp"
export ORDERER_GENERAL_BOOTSTRAPMETHOD=none
export ORDERER_GENERAL_AUTHENTICATION_TIMEWINDOW="$CITYDIR_AUTH_TIMEWINDOW"  # see common.sh
export ORDERER_GENERAL_TLS_ENABLED=true
export ORDERER_GENERAL_TLS_PRIVATEKEY="$dir/tls/server.key"
export ORDERER_GENERAL_TLS_CERTIFICATE="$dir/tls/server.crt"
export ORDERER_GENERAL_TLS_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$dir/tls/server.crt"
export ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$dir/tls/server.key"
export ORDERER_GENERAL_CLUSTER_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_FILELEDGER_LOCATION="$DATA/orderer$n/ledger"
export ORDERER_CONSENSUS_WALDIR="$DATA/orderer$n/etcdraft/wal"
export ORDERER_CONSENSUS_SNAPDIR="$DATA/orderer$n/etcdraft/snapshot"
# Channel participation API (osnadmin), mutual TLS.
export ORDERER_CHANNELPARTICIPATION_ENABLED=true
export ORDERER_ADMIN_LISTENADDRESS; ORDERER_ADMIN_LISTENADDRESS="$host:$(orderer_admin_port "$n")"
export ORDERER_ADMIN_TLS_ENABLED=true
export ORDERER_ADMIN_TLS_PRIVATEKEY="$dir/tls/server.key"
export ORDERER_ADMIN_TLS_CERTIFICATE="$dir/tls/server.crt"
export ORDERER_ADMIN_TLS_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
export ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_OPERATIONS_LISTENADDRESS; ORDERER_OPERATIONS_LISTENADDRESS="$host:$(orderer_ops_port "$n")"
export ORDERER_METRICS_PROVIDER=prometheus

mkdir -p "$DATA/orderer$n"
exec orderer
