from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.queue.tables import (
    AgencyLetter,
    Booking,
    Call,
    CounterSession,
    DaySequence,
    EstimateShown,
    SeatHold,
    ServiceSetting,
    Slot,
    Ticket,
    TicketEvent,
)

APP_CONFIG = AppConfig(
    app_name="queue",
    migrations_folder_path=str(Path(migrations.__file__).parent / "queue"),
    table_classes=[
        ServiceSetting,
        AgencyLetter,
        DaySequence,
        Slot,
        Booking,
        SeatHold,
        Ticket,
        Call,
        TicketEvent,
        EstimateShown,
        CounterSession,
    ],
    migration_dependencies=["api.catalogue.piccolo_app", "api.accounts.piccolo_app"],
    commands=[],
)
