"""Personalising a template for one person: the render context from their profile, computed
traits, cart and viewed products, the triggering event and the brand; links tracked through
our redirect with UTM tags, emails with an open pixel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omniweave.messaging.links import LinkRewriter
from omniweave.messaging.template_context import RenderContext
from omniweave.messaging.templates import (
    Template,
    build_context,
    render,
    render_dedup_key,
    render_products,
)


@dataclass(frozen=True)
class Renderer:
    public_url: str  # where the redirect, the pixel and the preference links point
    secret: bytes  # signs tracked links
    site_url: str = ""

    def context(
        self,
        profile_id: str,
        profile_part: Mapping[str, Any],
        shopping: Mapping[str, Any],
        event: Mapping[str, Any] | None,
        extra: Mapping[str, Any],
        brand: str,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        traits = dict(profile_part.get("traits") or {})
        computed = dict(profile_part.get("computed") or {})
        favourite = computed.get("favourite_product")
        if isinstance(favourite, str):
            computed["favourite_product"] = {"id": favourite, "name": favourite}
        profile = {
            "id": profile_id,
            "first_name": traits.get("first_name") or traits.get("firstName") or "",
            "last_name": traits.get("last_name") or traits.get("lastName") or "",
            "name": traits.get("name") or "",
            "email": traits.get("email") or "",
            "phone": traits.get("phone") or "",
            "city": traits.get("city") or "",
            "birthday": traits.get("birthday") or "",
            "traits": traits,
        }
        return build_context(
            profile=profile,
            computed=computed,
            cart=shopping.get("cart"),
            viewed=shopping.get("viewed"),
            recommendations=extra.get("recommendations"),
            event=_event(event),
            message=message,
            brand={"name": brand, "site_url": self.site_url},
        )

    def dedup_key(self, template: Template, context: Mapping[str, Any]) -> str | None:
        return render_dedup_key(template, context)

    def products(self, template: Template, context: Mapping[str, Any]) -> tuple[str, ...]:
        return render_products(template, context)

    def render(
        self,
        template: Template,
        channel: str,
        context: Mapping[str, Any],
        key: str,
        utm: Mapping[str, str],
        unsubscribe_url: str = "",
    ) -> dict[str, Any]:
        message = {
            "id": key,
            "channel": channel,
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": unsubscribe_url,
        }
        links = LinkRewriter(self.public_url, self.secret, key, utm)
        # The context stays complete (the message part is filled here), so the template
        # does not rebuild it for every send.
        return render(template, channel, RenderContext({**context, "message": message}), links)


def _event(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not event:
        return None
    return {"name": event.get("event") or event.get("name"), "properties": event.get("properties")}
