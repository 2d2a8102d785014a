"""Config → construct props that more than one stack needs: the data protection policy, the
app's domain and the web ACL's settings.

Constructs never see the pydantic config models; the stacks translate a config section into
the props of the construct that acts on it, here or in ``stacks/main/``.
"""

from __future__ import annotations

from ..config.models import DomainConfig, EnvironmentConfig
from ..constructs.data.protection import DataProtection, retention_days
from ..constructs.edge.dns import Domain
from ..constructs.edge.waf import WebAclProps


def data_protection(config: EnvironmentConfig) -> DataProtection:
    """What outlives the stack (data_protection) and how long logs are kept (logs)."""
    return DataProtection(
        retain=config.retains_data,
        log_retention=retention_days(config.logs.retention_days),
    )


def domain_of(domain: DomainConfig | None) -> Domain | None:
    """The app's host name and its hosted zone, if the YAML names one."""
    if domain is None:
        return None
    return Domain(name=domain.name, zone_id=domain.zone_id, zone_name=domain.zone_name)


def web_acl_props(config: EnvironmentConfig) -> WebAclProps | None:
    """The web ACL's settings for either scope; None when the YAML turns WAF off."""
    waf = config.waf
    if not waf.enabled:
        return None
    return WebAclProps(
        allowed_cidrs=config.edge.allowed_networks,
        environment_name=config.name,
        protection=data_protection(config),
        managed_rules=waf.managed_rules,
        rate_limit=waf.rate_limit,
        sign_in_rate_limit=waf.sign_in_rate_limit,
        api_rate_limit=waf.api_rate_limit,
    )
