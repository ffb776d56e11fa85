"""Options as the modules hand them to module_utils: every option present, left-out ones None."""


def bulk_entry(email, **given):
    """One experience_users ``config`` entry after Ansible filled in its defaults."""
    base = dict(email=email, first_name=None, last_name=None, password=None, update_password="on_create",
                password_updated_after=None, user_tags=None, purge_user_tags=False, experience_groups=None,
                purge_experience_groups=False)
    base.update(given)
    return base
