"""MercadoLibre at the HTTP level: the item/question client, OAuth, webhook notifications.

Modules: `client` (the Marketplace implementation), `question_api` (questions and answers),
`transport` (retries, 401 refresh), `item_payload` (category attributes to item JSON), `sites`
(each site's currencies and auth host), `errors` (seller-readable reasons),
`backoff`, `oauth` (PKCE, tokens, TokenRefresher) and `notifications` (webhook handler).
No storage here: callers pass token load/save callables and a lock.
"""

from integrations.mercadolibre.client import MAX_ANSWER_LENGTH, Account, MercadoLibreClient
from integrations.mercadolibre.errors import (
    DescriptionNotSaved,
    InvalidGrant,
    MissingRequiredAttributes,
    OAuthError,
    error_from_response,
)
from integrations.mercadolibre.notifications import (
    InvalidNotification,
    Notification,
    NotificationReceiver,
    item_id_from_resource,
    notification_handler,
    parse_notification,
    question_id_from_resource,
)
from integrations.mercadolibre.oauth import (
    NotConnected,
    TokenPair,
    TokenRefresher,
    authorization_url,
    code_challenge_s256,
    exchange_code,
    new_code_verifier,
    new_state,
    refresh,
)

__all__ = [
    "MAX_ANSWER_LENGTH",
    "Account",
    "DescriptionNotSaved",
    "InvalidGrant",
    "InvalidNotification",
    "MercadoLibreClient",
    "MissingRequiredAttributes",
    "NotConnected",
    "Notification",
    "NotificationReceiver",
    "OAuthError",
    "TokenPair",
    "TokenRefresher",
    "authorization_url",
    "code_challenge_s256",
    "error_from_response",
    "exchange_code",
    "item_id_from_resource",
    "new_code_verifier",
    "new_state",
    "notification_handler",
    "parse_notification",
    "question_id_from_resource",
    "refresh",
]
