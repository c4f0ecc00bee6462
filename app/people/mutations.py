"""Adding, changing, deleting and restoring users, candidates, clients and contacts; hiring."""

from __future__ import annotations

import strawberry

from app.common.codes import Permission
from app.graphql.arguments import RecordId, Revision
from app.graphql.context import Info
from app.graphql.crud import (
    RecordSpec,
    create_mutation,
    delete_mutation,
    import_mutation,
    restore_mutation,
    update_mutation,
)
from app.graphql.inputs import actor_of, decode_global_id
from app.graphql.payloads import attempt
from app.people.inputs import (
    CandidateCreateInput,
    CandidateUpdateInput,
    ClientCreateInput,
    ClientUpdateInput,
    ContactCreateInput,
    ContactUpdateInput,
    UserCreateInput,
    UserUpdateInput,
)
from app.people.services import candidate_store, client_store, contact_store, user_store
from app.people.types import Candidate, CandidateHirePayload, Client, Contact, User

USER = RecordSpec(
    node=User,
    field="user",
    store=user_store,
    permission=Permission.MANAGE_STAFF,
    create_input=UserCreateInput,
    plural="users",
    update_input=UserUpdateInput,
)


@strawberry.type
class UserMutations:
    user_create = create_mutation(USER, "userCreate")
    user_update = update_mutation(USER, "userUpdate")
    user_delete = delete_mutation(USER, "userDelete")
    user_restore = restore_mutation(USER, "userRestore")
    user_import = import_mutation(USER, "userImport")


CANDIDATE = RecordSpec(
    node=Candidate,
    field="candidate",
    plural="candidates",
    store=candidate_store,
    permission=Permission.MANAGE_STAFF,
    create_input=CandidateCreateInput,
    update_input=CandidateUpdateInput,
)


@strawberry.type
class CandidateMutations:
    candidate_create = create_mutation(CANDIDATE, "candidateCreate")
    candidate_update = update_mutation(CANDIDATE, "candidateUpdate")
    candidate_delete = delete_mutation(CANDIDATE, "candidateDelete")
    candidate_restore = restore_mutation(CANDIDATE, "candidateRestore")
    candidate_import = import_mutation(CANDIDATE, "candidateImport")


CLIENT = RecordSpec(
    node=Client,
    field="client",
    plural="clients",
    store=client_store,
    permission=Permission.MANAGE_BILLING,
    create_input=ClientCreateInput,
    update_input=ClientUpdateInput,
)


@strawberry.type
class ClientMutations:
    client_create = create_mutation(CLIENT, "clientCreate")
    client_update = update_mutation(CLIENT, "clientUpdate")
    client_delete = delete_mutation(CLIENT, "clientDelete")
    client_restore = restore_mutation(CLIENT, "clientRestore")
    client_import = import_mutation(CLIENT, "clientImport")


CONTACT = RecordSpec(
    node=Contact,
    field="contact",
    plural="contacts",
    store=contact_store,
    permission=Permission.MANAGE_PATIENTS,
    create_input=ContactCreateInput,
    update_input=ContactUpdateInput,
)


@strawberry.type
class ContactMutations:
    contact_create = create_mutation(CONTACT, "contactCreate")
    contact_update = update_mutation(CONTACT, "contactUpdate")
    contact_delete = delete_mutation(CONTACT, "contactDelete")
    contact_restore = restore_mutation(CONTACT, "contactRestore")
    contact_import = import_mutation(CONTACT, "contactImport")


@strawberry.type
class CandidateHireMutations:
    @strawberry.mutation(
        description="Hire a candidate: make them a user (a caregiver) with the candidate's "
        "name, contact details, skills, certifications and profile, and mark the candidate "
        "hired, all at once. Refused with INVALID_STATE if already hired or deleted, and with "
        "CONFLICT if `revision` is not the current one. Needs MANAGE_STAFF."
    )
    async def candidate_hire(
        self, info: Info, id: RecordId, revision: Revision
    ) -> CandidateHirePayload:
        async def act() -> tuple[Candidate, User]:
            actor = actor_of(info, Permission.MANAGE_STAFF)
            key = decode_global_id(id, "Candidate", "id")
            candidate, user = await candidate_store(info.context.database).hire(
                actor, key, revision
            )
            return Candidate.from_doc(candidate), User.from_doc(user)

        done, errors = await attempt(act())
        candidate, user = done if done is not None else (None, None)
        return CandidateHirePayload(candidate=candidate, user=user, user_errors=errors)
