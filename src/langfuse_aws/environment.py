"""Builds every stack of one environment from its validated config."""

from __future__ import annotations

from aws_cdk import Aspects, Stack, Tags
from constructs import Construct

from .compliance.function_logs import FunctionLogRetention
from .config.models import EnvironmentConfig
from .constructs.data.protection import DisposableLogGroups
from .naming import edge_alarms_stack_name, global_stack_name, main_stack_name
from .stacks.edge_alarms_stack import EdgeAlarmsStack
from .stacks.global_stack import GlobalStack
from .stacks.langfuse_stack import LangfuseStack
from .stacks.props import data_protection

PROJECT_TAG = "langfuse-aws"


class LangfuseEnvironment:
    """The stacks of one environment: the main stack and, only when needed, a us-east-1 stack.

    Usable as a library: ``LangfuseEnvironment(app, build_config({...}))`` inside any CDK app.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        self.config = config
        self.global_stack: GlobalStack | None = None
        if config.needs_global_stack:
            self.global_stack = GlobalStack(scope, global_stack_name(config.name), config=config)
        us_east_1 = self.global_stack
        self.main_stack = LangfuseStack(
            scope,
            main_stack_name(config.name),
            config=config,
            cloudfront_certificate=us_east_1.cloudfront_certificate if us_east_1 else None,
            cognito_certificate=us_east_1.cognito_certificate if us_east_1 else None,
            cloudfront_web_acl_arn=us_east_1.web_acl.arn
            if us_east_1 and us_east_1.web_acl
            else None,
        )
        if self.global_stack is not None:
            self.main_stack.add_stack_dependency(self.global_stack)
        self.edge_alarms_stack: EdgeAlarmsStack | None = None
        distribution = self.main_stack.distribution
        if config.has_edge_alarms and distribution is not None:
            web_acl = us_east_1.web_acl if us_east_1 else None
            self.edge_alarms_stack = EdgeAlarmsStack(
                scope,
                edge_alarms_stack_name(config.name),
                config=config,
                distribution=distribution,
                web_acl_metric=web_acl.metric_name if web_acl else None,
            )
            self.edge_alarms_stack.add_stack_dependency(self.main_stack)
        protection = data_protection(config)
        for stack in self.stacks:
            Aspects.of(stack).add(FunctionLogRetention(protection.log_retention))
            if not protection.retain:
                Aspects.of(stack).add(DisposableLogGroups())
            Tags.of(stack).add("project", PROJECT_TAG)
            Tags.of(stack).add("environment", config.name)
            for key, value in config.tags.items():
                Tags.of(stack).add(key, value)

    @property
    def stacks(self) -> list[Stack]:
        """Every stack of the environment in deployment order."""
        return [
            s for s in (self.global_stack, self.main_stack, self.edge_alarms_stack) if s is not None
        ]
