//! Filling a re-ingested case from the stored one, so a narrower export (fewer columns) of
//! cases already stored does not erase what the store knows of them.

use crate::model::Case;

/// Fills every optional field that `case` leaves empty (`None`, or an empty string) from
/// `stored`, the version of the same case already in the store. An ingest thus never clears a
/// field: a value missing from the new input is taken to be unknown to that input, not
/// removed.
///
/// The fields merged are all the optional fields of [`Case`]: `received_at`, `title`, `kind`,
/// `channel`, `department`, `town`, `location`, `status`, `satisfaction`, `deadline`,
/// `closed_at`, `overdue`, `card`, `reply`, `reply_at`, `likes`, `dislikes`, `user`, `label`
/// and `tags` (computed, not part of the content hash; an ingest that tags re-tags the
/// merged case anyway). `id`, `narrative` (never empty), `record` and `source` are always
/// the new case's.
pub fn fill_from_stored(case: &mut Case, stored: &Case) {
    fn opt<T: Clone>(new: &mut Option<T>, old: &Option<T>) {
        if new.is_none() {
            new.clone_from(old);
        }
    }
    fn text(new: &mut Option<String>, old: &Option<String>) {
        if new.as_deref().is_none_or(str::is_empty) && old.as_deref().is_some_and(|s| !s.is_empty())
        {
            new.clone_from(old);
        }
    }
    // Destructured so that a field added to `Case` fails to compile here until it is merged.
    let Case {
        id: _,
        received_at,
        title,
        narrative: _,
        kind,
        kind_source,
        channel,
        department,
        town,
        location,
        status,
        satisfaction,
        deadline,
        closed_at,
        overdue,
        card,
        reply,
        reply_at,
        likes,
        dislikes,
        user,
        label,
        record: _,
        source: _,
        tags,
    } = case;
    opt(received_at, &stored.received_at);
    text(title, &stored.title);
    // The source's word goes with the kind it was read from.
    if kind.is_none() {
        text(kind_source, &stored.kind_source);
    }
    opt(kind, &stored.kind);
    text(channel, &stored.channel);
    text(department, &stored.department);
    text(town, &stored.town);
    text(location, &stored.location);
    opt(status, &stored.status);
    opt(satisfaction, &stored.satisfaction);
    opt(deadline, &stored.deadline);
    opt(closed_at, &stored.closed_at);
    opt(overdue, &stored.overdue);
    opt(card, &stored.card);
    text(reply, &stored.reply);
    opt(reply_at, &stored.reply_at);
    opt(likes, &stored.likes);
    opt(dislikes, &stored.dislikes);
    text(user, &stored.user);
    text(label, &stored.label);
    opt(tags, &stored.tags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Satisfaction, Status};

    #[test]
    fn empty_fields_are_filled_and_given_ones_kept() {
        let mut stored = Case::new("1", "旧内容");
        stored.department = Some("水务局".into());
        stored.status = Some(Status::InProgress);
        stored.satisfaction = Some(Satisfaction::Satisfied);
        stored.title = Some("停水".into());
        let mut new = Case::new("1", "新内容");
        new.department = Some(String::new());
        new.status = Some(Status::Closed);
        fill_from_stored(&mut new, &stored);
        assert_eq!(new.narrative, "新内容");
        assert_eq!(new.department.as_deref(), Some("水务局"));
        assert_eq!(new.status, Some(Status::Closed));
        assert_eq!(new.satisfaction, Some(Satisfaction::Satisfied));
        assert_eq!(new.title.as_deref(), Some("停水"));
    }
}
