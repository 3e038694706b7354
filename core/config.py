"""Configuration: the embedded default (SQLite, jobs inline, mail to an outbox) and overrides.

Any key can be overridden by an environment variable prefixed ``SYMPRAXIS_`` (values parsed as
JSON when they are JSON), e.g. ``SYMPRAXIS_SQLALCHEMY_DATABASE_URI=postgresql+psycopg://…``.
"""

import os


class DefaultConfig:
    #: Required (``SYMPRAXIS_SECRET_KEY``, at least 32 bytes); only the demo makes its own (core.secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = None  # set from instance_path in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Owner connection for migrations (tables are created by, and belong to, this role).
    MIGRATIONS_DATABASE_URI = None
    #: Role that the application connects as; migrations grant it table privileges.
    APP_DB_ROLE = None
    #: The cross-tenant reader (PostgreSQL): a role with SELECT only, used by cross_tenant_read()
    #: alone; migrations grant it SELECT and list it as the one role the cross-tenant policy admits.
    CROSS_TENANT_READ_DATABASE_URI = None
    READER_DB_ROLE = None
    #: A streaming replica (the application role on it): GET/HEAD requests read from it, except a
    #: client that wrote in the last REPLICA_PIN_SECONDS until the replica has replayed its write
    #: (core.replica). None: every read goes to the primary.
    SQLALCHEMY_REPLICA_DATABASE_URI = None
    REPLICA_PIN_SECONDS = 30
    #: Seconds to wait for a connection to the replica (libpq's minimum is 2) and for its busy
    #: pool; past either the request reads from the primary. A replica found down is not tried
    #: again for REPLICA_RETRY_SECONDS (then one request tries it).
    REPLICA_CONNECT_TIMEOUT = 2
    REPLICA_POOL_TIMEOUT = 1.0
    REPLICA_RETRY_SECONDS = 5.0
    #: Redis for the write pins of API tokens (read-your-writes without cookies); None: the host
    #: cache's TENANT_CACHE_REDIS_URL, and without either, pins live in each process only.
    REPLICA_PIN_REDIS_URL = None

    #: The platform's own host; municipalities live on ``<slug>.<apex>``.
    PLATFORM_APEX = "localhost"
    PUBLIC_PORT = 5000
    PREFERRED_URL_SCHEME = "http"
    TENANT_CACHE_TTL = 5.0
    #: Redis for the host cache's shared version (every app server sees a change on its next
    #: request); with it, TENANT_CACHE_TTL can be long, and entries live TENANT_CACHE_FALLBACK_TTL
    #: seconds while Redis is unreachable. Without it, other processes wait out TENANT_CACHE_TTL.
    TENANT_CACHE_REDIS_URL = None
    TENANT_CACHE_REDIS_TIMEOUT = 0.1
    TENANT_CACHE_FALLBACK_TTL = 1.0
    #: Usage per municipality and day (core.usage, tenants.usage): counters shared through Redis
    #: (None: TENANT_CACHE_REDIS_URL; without either, each process's own memory), added to it at
    #: most every USAGE_FLUSH_SECONDS, kept USAGE_KEEP_DAYS; the job writing the daily rows runs
    #: every USAGE_COLLECT_EVERY seconds under celery beat.
    USAGE_REDIS_URL = None
    USAGE_FLUSH_SECONDS = 1.0
    USAGE_KEEP_DAYS = 8
    USAGE_COLLECT_EVERY = 3600
    #: Namespaces this instance's keys in a shared Redis.
    CACHE_KEY_PREFIX = "sympraxis"
    #: Rendered pages for anonymous readers (core.page_cache): Redis (None: TENANT_CACHE_REDIS_URL;
    #: "memory://": this process only, for one process), entries kept at most PAGE_CACHE_TTL
    #: seconds (pages that change with the clock); without Redis, pages only carry an ETag.
    PAGE_CACHE_REDIS_URL = None
    PAGE_CACHE_TTL = 30.0
    PAGE_CACHE_ENABLED = True

    SYMPRAXIS_PLUGIN_GROUPS = ["sympraxis.plugins"]
    SYMPRAXIS_BUILTIN_PLUGINS = ["tenants"]
    #: Which installed plugins to load: a list of names, or "*" for every installed one.
    SYMPRAXIS_PLUGINS = "*"

    BABEL_DEFAULT_LOCALE = "en"
    SUPPORTED_LOCALES = ["el", "bg", "ro", "en"]

    SESSION_COOKIE_NAME = "sympraxis_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_DOMAIN = None  # host-only cookies, always (DESIGN §4)
    REMEMBER_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    #: CSRF is checked in a before_request for HTML routes only; the API requires bearer tokens.
    WTF_CSRF_CHECK_DEFAULT = False

    #: Addresses or CIDR networks of the reverse proxies in front of the app (e.g. ["10.0.0.5"]):
    #: X-Forwarded-For/-Proto are believed only from them. Empty: trust nothing. Without it, behind a
    #: proxy every client shares the proxy's address and its rate limits.
    TRUSTED_PROXIES: list[str] = []
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LIMIT_SIGNIN = "10 per minute;50 per hour"
    RATE_LIMIT_SIGNUP = "5 per minute;30 per hour"
    RATE_LIMIT_RESET = "5 per minute;20 per hour"
    #: The public accessibility feedback form of each municipality (per client address).
    RATE_LIMIT_FEEDBACK = "5 per minute;20 per hour"
    #: a guest asking for a link to their data (core.privacy.guests), per client address
    RATE_LIMIT_GUEST_DATA = "5 per minute;20 per hour"

    #: IP addresses in the audit log's platform entries (about no municipality) are removed after
    #: this many days; a municipality's entries follow its retention schedule (issue 12 §4).
    AUDIT_IP_RETENTION_DAYS = 180
    #: Days between scheduling a municipality's deletion (end of contract) and carrying it out.
    TENANT_DELETION_GRACE_DAYS = 30

    HANDOFF_CODE_TTL = 60
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24

    MAIL_BACKEND = "outbox"  # "outbox" (a folder) or "smtp"
    MAIL_OUTBOX_DIR = None  # default: <instance>/outbox
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Sympraxis <no-reply@sympraxis.localhost>"

    JOBS_INLINE = True
    CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    CELERY_RESULT_BACKEND = None

    #: "json": one JSON object per log line (request id, tenant, hashed account) and an access line
    #: per request; "text": Flask's default.
    LOG_FORMAT = "text"
    #: Prometheus metrics (prometheus-client; multiprocess when PROMETHEUS_MULTIPROC_DIR is set),
    #: served at /metrics to these networks only, connecting directly (not through the proxy).
    METRICS_ENABLED = False
    METRICS_ALLOWED = ["127.0.0.1/32", "::1/128"]

    #: The platform operator, named in every privacy notice: the processor of the municipalities'
    #: data (GDPR Art. 28) and the controller of the cross-municipality account (the apex's
    #: notice). OPERATOR_COUNTRY chooses the supervisory authority that notice names.
    OPERATOR_NAME = "Sympraxis platform operator"
    OPERATOR_ADDRESS = None
    OPERATOR_EMAIL = None
    OPERATOR_DPO_EMAIL = None
    OPERATOR_COUNTRY = "GR"
    #: The operator's sub-processors, listed in every privacy notice and record of processing:
    #: ``[{"name": "…", "purpose": "…" or {"en": "…", "el": "…"}, "location": "…"}, …]``.
    SUB_PROCESSORS: list[dict] = []

    #: Shows /dev/outbox. Only ``sympraxis demo`` turns it on.
    DEMO_MODE = False

    API_TITLE = "Sympraxis API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    #: The one upload limit (bytes): the largest request body, checked from Content-Length before
    #: the body is read (core.input_guard); attachments are limited by the same number.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
