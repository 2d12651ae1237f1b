"""Demo content for the funnel: the city's support instruments and some sixty initiatives with
their histories, modelled on the cases of the 2021 GovTech study of the Moscow Innovation Agency.

Everything goes through the services, so every stage, decision and proposal is in the audit
log as in real use; past decisions carry their dates (``decided_at``). Deterministic: a
seeded random generator picks goals, dates and instruments. Idempotent: nothing is done when
the funnel already holds instruments or initiatives."""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from govtech.accounts.models import Organization
from govtech.funnel import services
from govtech.funnel.models import (
    Initiative,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Origin,
    TeamRole,
    Topic,
    Visibility,
)
from govtech.funnel.states import FUNNEL, Stage

SEED = 2021
HISTORY_DAYS = 900  # about two and a half years
OPERATOR_ORG = "innovation-agency"

# (name, kind, owner slug, stages, intake opens / closes in days from today (None: no date), status, description)
# Moscow's support is strong at the early stages and thin at adoption and scale (the study's
# finding): the only instruments for ``scale`` are a paused fund and an award whose intake closed.
INSTRUMENTS = [
    (
        "Московский акселератор GovTech",
        InstrumentKind.ACCELERATOR,
        OPERATOR_ORG,
        ["prototype", "pilot"],
        (-20, 25),
        InstrumentStatus.ACTIVE,
        "Четырёхмесячная программа: стартапы доводят продукт под задачи городских заказчиков, "
        "сотрудник заказчика один день в неделю работает с командой.",
    ),
    (
        "Хакатон «Цифровой город»",
        InstrumentKind.HACKATHON,
        "dept-it",
        ["idea", "prototype"],
        (14, 45),
        InstrumentStatus.ACTIVE,
        "48 часов на прототип под задачи департаментов; победители получают место в акселераторе.",
    ),
    (
        "Стартап в резиденции департаментов",
        InstrumentKind.STARTUP_IN_RESIDENCE,
        OPERATOR_ORG,
        ["prototype", "pilot"],
        (-90, -30),
        InstrumentStatus.ACTIVE,
        "Команды работают в офисе департамента-заказчика и вместе с ним готовят решение к закупке.",
    ),
    (
        "Городские вызовы: открытые задачи заказчиков",
        InstrumentKind.CHALLENGE,
        OPERATOR_ORG,
        ["idea"],
        (None, None),
        InstrumentStatus.ACTIVE,
        "Департаменты публикуют проблемы, стартапы и жители предлагают решения круглый год.",
    ),
    (
        "Пилотные площадки / регуляторные песочницы",
        InstrumentKind.PILOT_SITE,
        OPERATOR_ORG,
        ["pilot"],
        (None, None),
        InstrumentStatus.ACTIVE,
        "Бесплатное тестирование решений на городских объектах с измеримыми критериями успеха.",
    ),
    (
        "Экспериментальный правовой режим для беспилотного транспорта",
        InstrumentKind.PILOT_SITE,
        "dept-transport",
        ["pilot"],
        (-200, -100),
        InstrumentStatus.ACTIVE,
        "Испытания беспилотных машин на выделенных улицах с оператором-испытателем.",
    ),
    (
        "Клинические площадки цифровой медицины",
        InstrumentKind.PILOT_SITE,
        "dept-health",
        ["pilot"],
        (-15, 60),
        InstrumentStatus.ACTIVE,
        "Пилоты медицинских сервисов в городских поликлиниках под контролем врачей.",
    ),
    (
        "Грант на пилотное тестирование",
        InstrumentKind.GRANT,
        OPERATOR_ORG,
        ["prototype", "pilot"],
        (-40, 20),
        InstrumentStatus.ACTIVE,
        "Возмещение затрат на доработку и пилот: до 5 млн ₽ на проект.",
    ),
    (
        "Маркетплейс инновационных решений",
        InstrumentKind.MARKETPLACE,
        "dept-it",
        ["adoption"],
        (None, None),
        InstrumentStatus.ACTIVE,
        "Каталог проверенных решений аккредитованных поставщиков с заказом по упрощённой схеме.",
    ),
    (
        "Микрозакупки у технологических МСП",
        InstrumentKind.MICRO_PURCHASE,
        OPERATOR_ORG,
        ["adoption"],
        (None, None),
        InstrumentStatus.ACTIVE,
        "Закупки до 600 тыс. ₽ у малых технологических компаний без конкурсных процедур.",
    ),
    (
        "Школа GovTech для госслужащих",
        InstrumentKind.EDUCATION,
        OPERATOR_ORG,
        ["idea"],
        (-10, 50),
        InstrumentStatus.ACTIVE,
        "Образовательная программа: дизайн-мышление, работа со стартапами, инновационные закупки.",
    ),
    (
        "Премия «Инновации в городском управлении»",
        InstrumentKind.AWARD,
        OPERATOR_ORG,
        ["scale"],
        (-300, -240),
        InstrumentStatus.ACTIVE,
        "Ежегодная премия учреждениям, которые внедрили и тиражировали новые решения.",
    ),
    (
        "Фонд тиражирования городских решений",
        InstrumentKind.GRANT,
        "dept-it",
        ["scale"],
        (None, None),
        InstrumentStatus.PAUSED,
        "Софинансирование тиражирования успешных решений в другие округа; приём заявок приостановлен.",
    ),
]


@dataclass(frozen=True)
class Case:
    title: str
    summary: str
    topic: str
    sponsor: str
    origin: str
    supplier: str | None
    path: str  # final stage; "stopped@pilot": stopped from pilot; a trailing "^": one step back on the way
    lessons: str = ""
    is_internal: bool = False


T, E, H, ED, HO, SO, SA, SE, EC, CU = (
    Topic.TRANSPORT,
    Topic.ENVIRONMENT,
    Topic.HEALTH,
    Topic.EDUCATION,
    Topic.HOUSING,
    Topic.SOCIAL,
    Topic.SAFETY,
    Topic.SERVICES,
    Topic.ECONOMY,
    Topic.CULTURE,
)
RI, EI, CS, SP, CO = (
    Origin.RESIDENT_IDEA,
    Origin.EMPLOYEE_IDEA,
    Origin.CHALLENGE_SUBMISSION,
    Origin.SUPPLIER_APPLICATION,
    Origin.CATALOG_ORDER,
)

# Kept one case per block, not one argument per line.
# fmt: off
CASES = [
    # --- ecology and waste
    Case(
        "Датчики заполнения мусорных контейнеров",
        "Ультразвуковые датчики на контейнерных площадках сообщают о заполнении; мусоровозы едут только к полным.",
        E, "dept-housing", SP, "ecotrack", "scale",
    ),
    Case(
        "Маршрутизация мусоровозов по данным датчиков",
        "Маршруты вывоза строятся каждое утро по заполнению контейнеров и пробкам.",
        E, "zhilishnik-tverskoy", CS, "ecotrack", "adoption",
    ),
    Case(
        "Учёт крупногабаритных отходов по фото жителей",
        "Жители фотографируют старую мебель у площадки, заявка на вывоз создаётся автоматически.",
        E, "dept-housing", RI, "ivanov-ip", "prototype",
    ),
    Case(
        "Сеть недорогих станций мониторинга качества воздуха",
        "Сотни компактных станций дополняют эталонные посты; данные открыты через API.",
        E, "dept-it", SP, "aircheck", "adoption",
    ),
    Case(
        "Карта качества воздуха у школ",
        "Станции у школ и детских садов показывают родителям и учителям PM2.5 в реальном времени.",
        E, "dept-education", EI, "aircheck", "pilot",
    ),
    Case(
        "Прогноз смога по данным станций и метеомодели",
        "Предупреждение жителей за сутки о неблагоприятных метеоусловиях и росте загрязнения.",
        E, "dept-it", CS, "aircheck", "stopped@pilot",
        "Без данных о выбросах предприятий модель ошибалась в половине случаев. "
        "Вернуться к задаче после подключения промышленных источников к мониторингу.",
    ),
    Case(
        "Подсказки по раздельному сбору в чат-боте",
        "Бот по фото упаковки подсказывает, в какой контейнер её выбросить и где ближайший пункт приёма.",
        E, "dept-housing", RI, "ivanov-ip", "idea",
    ),
    Case(
        "Урны с прессом и датчиком заполнения в парках",
        "Урны на солнечных батареях спрессовывают мусор и сообщают, когда их пора опорожнить.",
        E, "dept-housing", SP, None, "stopped@prototype",
        "Стоимость обслуживания одной урны оказалась втрое выше обычной, а вандалоустойчивость низкой. "
        "Для парков выгоднее датчики на обычных контейнерах.",
    ),
    Case(
        "Мониторинг шума от строительных площадок",
        "Шумомеры на границе стройплощадок фиксируют нарушения тишины ночью и передают их в инспекцию.",
        E, "dept-housing", RI, "aircheck", "prototype",
    ),
    # --- transport
    Case(
        "Беспилотные уборочные машины во дворах",
        "Автономные подметальные машины убирают тротуары и дворы ночью по заданному маршруту.",
        T, "dept-housing", SP, None, "pilot",
    ),
    Case(
        "Беспилотный автобус на выделенном маршруте",
        "Электробус без водителя возит пассажиров по кольцевому маршруту в технопарке.",
        T, "dept-transport", CS, "smartroute", "pilot^",
    ),
    Case(
        "Автоматизированные мусоровозы с контролем загрузки",
        "Весовые датчики и камеры на мусоровозах подтверждают вывоз каждой площадки.",
        T, "dept-housing", SP, "ecotrack", "prototype",
    ),
    Case(
        "Анализ пассажиропотока по валидациям",
        "Обезличенные данные валидаций показывают загрузку маршрутов по часам и остановкам.",
        T, "org-transport-operator", SP, "smartroute", "scale",
    ),
    Case(
        "Перестройка маршрутной сети по данным о поездках",
        "Модель предлагает изменения маршрутов, сокращающие пересадки для жителей окраин.",
        T, "org-transport-operator", EI, "smartroute", "adoption",
    ),
    Case(
        "Адаптивные светофоры на перекрёстках с пиковой нагрузкой",
        "Фазы светофоров меняются по данным детекторов транспорта в реальном времени.",
        T, "dept-transport", EI, None, "pilot",
    ),
    Case(
        "Поиск свободного парковочного места по камерам",
        "Камеры на опорах освещения определяют свободные места, приложение ведёт к ближайшему.",
        T, "dept-transport", SP, "smartroute", "stopped@pilot",
        "Зимой под снегом точность распознавания падала до 60 %. Нужны датчики в покрытии, "
        "а не камеры; решение вернётся в воронку с другой технологией.",
    ),
    Case(
        "Прогноз прибытия электробусов на остановочных табло",
        "Табло показывают время прибытия с учётом пробок и зарядки электробусов.",
        T, "org-transport-operator", SP, "smartroute", "scale",
    ),
    Case(
        "Детектор ям на дорогах по видеорегистраторам такси",
        "Нейросеть находит дефекты покрытия на записях регистраторов и ставит задачу подрядчику.",
        T, "dept-transport", CS, None, "prototype",
    ),
    Case(
        "Чат-бот о штрафах за парковку",
        "Бот объясняет, за что выписан штраф, и помогает подать жалобу без звонка в контакт-центр.",
        T, "dept-transport", CO, "ivanov-ip", "adoption",
    ),
    Case(
        "Велопарковки с учётом загрузки",
        "Датчики показывают свободные места на велопарковках у станций метро.",
        T, "dept-transport", RI, None, "idea",
    ),
    Case(
        "Сопровождение маломобильных пассажиров на станциях",
        "Заявка на сопровождение в приложении, сотрудники станции видят время прибытия пассажира.",
        T, "org-transport-operator", RI, None, "idea",
    ),
    # --- healthcare
    Case(
        "Телемедицинские консультации для хронических больных",
        "Плановые повторные приёмы пациентов с хроническими заболеваниями проходят по видеосвязи.",
        H, "dept-health", EI, None, "scale",
    ),
    Case(
        "Дистанционный мониторинг давления у пациентов с гипертонией",
        "Тонометры передают измерения врачу, система предупреждает о критических значениях.",
        H, "polyclinic-3", SP, None, "pilot",
    ),
    Case(
        "ИИ-помощник врача при описании флюорографии",
        "Алгоритм отмечает подозрительные снимки и готовит черновик описания для рентгенолога.",
        H, "dept-health", CS, None, "adoption^",
    ),
    Case(
        "Электронная очередь с прогнозом времени приёма",
        "Пациент видит в телефоне, через сколько минут его примут, и может не ждать в коридоре.",
        H, "polyclinic-3", RI, "ivanov-ip", "prototype",
    ),
    Case(
        "Чат-бот записи к врачу в мессенджере",
        "Запись, перенос и отмена приёма через мессенджер без установки приложения.",
        H, "dept-health", SP, "ivanov-ip", "stopped@prototype",
        "Бот дублировал городской сервис записи: за три месяца им воспользовались 2 % пациентов. "
        "Прежде чем делать новый канал, проверять, чем не устраивает существующий.",
    ),
    Case(
        "Напоминания о диспансеризации по жизненным событиям",
        "Проактивное приглашение на диспансеризацию с готовыми слотами записи по возрасту и истории.",
        H, "dept-health", EI, None, "idea",
    ),
    Case(
        "Голосовой ассистент для вызова врача на дом",
        "Голосовой робот принимает вызовы врача на дом в часы пик и уточняет симптомы.",
        H, "polyclinic-3", SP, None, "prototype",
    ),
    Case(
        "Анализ загрузки кабинетов поликлиники",
        "Расписание кабинетов и врачей перестраивается по фактической загрузке.",
        H, "polyclinic-3", EI, "smartroute", "idea", is_internal=True,
    ),
    # --- social care
    Case(
        "Социальные роботы-помощники в центрах соцобслуживания",
        "Роботы проводят зарядку, напоминают о лекарствах и развлекают посетителей дневных центров.",
        SO, "dept-health", SP, "robocare", "pilot",
    ),
    Case(
        "Робот-компаньон для одиноких пожилых людей на дому",
        "Робот напоминает о лекарствах, звонит родственникам и вызывает помощь при падении.",
        SO, "dept-health", SP, "robocare", "stopped@pilot",
        "Пожилые люди выключали робота уже через неделю: им нужен живой собеседник. "
        "Функция вызова помощи ценна сама по себе — её стоит развивать отдельно, без робота.",
    ),
    Case(
        "Датчик падения для пожилых в квартирах",
        "Радарный датчик без камер замечает падение и вызывает социального работника.",
        SO, "dept-housing", RI, None, "prototype",
    ),
    Case(
        "Проактивное назначение выплат при рождении ребёнка",
        "После регистрации рождения семья получает предложение о выплатах без заявлений.",
        SE, "dept-it", EI, None, "adoption",
    ),
    Case(
        "Проактивное уведомление о праве на льготы для пенсионеров",
        "Город сам сообщает пенсионеру о льготах, на которые он получил право.",
        SO, "dept-it", EI, None, "prototype",
    ),
    Case(
        "Онлайн-сурдоперевод в центрах госуслуг",
        "Переводчик жестового языка подключается к окну приёма по видеосвязи.",
        SO, "dept-it", RI, None, "idea",
    ),
    # --- education
    Case(
        "Цифровой дневник с рекомендациями по нагрузке",
        "Дневник подсказывает родителям и учителям, когда у ученика перегрузка домашними заданиями.",
        ED, "dept-education", EI, None, "scale",
    ),
    Case(
        "Автоматическая проверка домашних заданий по математике",
        "Ученики решают задачи онлайн, система проверяет решения и показывает учителю типичные ошибки.",
        ED, "school-1535", SP, None, "pilot",
    ),
    Case(
        "Виртуальные лабораторные работы по физике",
        "Симуляторы опытов для школ без оборудованных лабораторий.",
        ED, "school-1535", CS, None, "prototype",
    ),
    Case(
        "Конструктор уроков с банком заданий",
        "Учитель собирает урок из проверенных материалов коллег за 15 минут.",
        ED, "dept-education", EI, None, "adoption",
    ),
    Case(
        "Профориентационный тренажёр для старшеклассников",
        "Короткие практические задания от городских предприятий помогают выбрать профессию.",
        ED, "dept-education", CS, None, "idea",
    ),
    Case(
        "Оплата питания в школьных столовых по биометрии",
        "Ученик оплачивает обед, посмотрев в камеру, без карты и наличных.",
        ED, "dept-education", SP, None, "stopped@prototype",
        "Треть родителей отказалась от сбора биометрии. Оплата по карте школьника решает ту же задачу "
        "без рисков для персональных данных.",
    ),
    Case(
        "Учёт посещаемости кружков",
        "Педагоги отмечают посещаемость в телефоне, школа видит загрузку кружков.",
        ED, "school-1535", EI, "ivanov-ip", "idea", is_internal=True,
    ),
    Case(
        "Распознавание рукописных олимпиадных работ",
        "Сканы работ распознаются и обезличиваются до проверки жюри.",
        ED, "dept-education", SP, None, "stopped@idea",
        "Проверка идеи показала, что объём работ мал (около 3 000 в год) и ручная обработка дешевле разработки.",
    ),
    # --- housing and utilities
    Case(
        "Датчики протечек в подвалах многоквартирных домов",
        "Беспроводные датчики в подвалах сообщают диспетчеру о воде до того, как затопит подъезд.",
        HO, "zhilishnik-tverskoy", EI, None, "scale",
    ),
    Case(
        "Умные счётчики тепла с передачей показаний",
        "Показания общедомовых счётчиков передаются автоматически, перерасход виден сразу.",
        HO, "dept-housing", CO, None, "adoption",
    ),
    Case(
        "Предиктивный ремонт лифтов по вибродатчикам",
        "Датчики вибрации предсказывают поломку лифта за несколько дней.",
        HO, "dept-housing", CS, None, "pilot^",
    ),
    Case(
        "Контроль уборки дворов по фото с геометкой",
        "Дворники фотографируют результат, система проверяет место и время и считает качество уборки.",
        HO, "zhilishnik-tverskoy", EI, "ivanov-ip", "pilot", is_internal=True,
    ),
    Case(
        "Освещение дворов по датчикам движения",
        "Светильники приглушаются ночью и загораются ярче, когда во дворе появляется человек.",
        HO, "zhilishnik-tverskoy", RI, None, "prototype",
    ),
    Case(
        "Датчики наледи и сосулек на кровлях",
        "Датчики на кровлях сообщают об образовании наледи, бригада выезжает до опасности.",
        HO, "dept-housing", RI, None, "idea",
    ),
    Case(
        "Электронное голосование собственников в доме",
        "Общие собрания собственников проходят онлайн с подтверждением личности.",
        HO, "dept-it", RI, None, "prototype",
    ),
    # --- public safety
    Case(
        "Распознавание оставленных предметов в метро",
        "Видеоаналитика замечает бесхозные сумки на платформах и предупреждает дежурного.",
        SA, "dept-transport", CS, None, "stopped@pilot",
        "На пилоте 9 из 10 срабатываний оказались ложными и отвлекали дежурных. "
        "Нужна разметка данных с реальных станций до следующей попытки.",
    ),
    Case(
        "Датчики уровня воды в ливневой канализации",
        "Датчики предупреждают о переполнении ливнёвки перед сильным дождём.",
        SA, "dept-housing", EI, None, "pilot",
    ),
    Case(
        "Оповещение жителей о перекрытиях в районе",
        "Жители получают сообщение о перекрытии улиц и отключениях воды по своему адресу.",
        SA, "dept-it", RI, "ivanov-ip", "idea",
    ),
    # --- public services
    Case(
        "Единое окно обращений с автоматической маршрутизацией",
        "Обращения жителей классифицируются и направляются исполнителю без ручной сортировки.",
        SE, "dept-it", EI, None, "scale",
    ),
    Case(
        "Голосовой помощник городского контакт-центра",
        "Робот отвечает на типовые вопросы жителей и переводит сложные на оператора.",
        SE, "dept-it", SP, "ivanov-ip", "adoption",
    ),
    Case(
        "Подсказки при заполнении заявлений на портале",
        "Форма заявления проверяет данные на лету и подсказывает, какие документы приложить.",
        SE, "dept-it", EI, None, "prototype",
    ),
    Case(
        "Открытый API транспортных данных для разработчиков",
        "Расписания, положение транспорта и загрузка остановок доступны сторонним приложениям.",
        SE, "dept-it", CS, "smartroute", "pilot",
    ),
    Case(
        "Распознавание документов в заявлениях на льготы",
        "Сканы документов распознаются, сотрудник проверяет только спорные поля.",
        SE, "dept-it", SP, None, "idea", is_internal=True,
    ),
    Case(
        "Цифровой двойник района для планирования застройки",
        "Трёхмерная модель района показывает влияние новой застройки на транспорт и школы.",
        SE, "dept-it", CS, None, "idea",
    ),
    Case(
        "Сбор идей жителей о цифровых сервисах",
        "Раздел на платформе голосований, где жители предлагают новые городские сервисы.",
        SE, "dept-it", RI, None, "prototype",
    ),
    # --- economy and culture
    Case(
        "Навигатор мер поддержки для малого бизнеса",
        "Предприниматель отвечает на пять вопросов и видит все подходящие гранты и льготы.",
        EC, "dept-it", EI, "ivanov-ip", "pilot",
    ),
    Case(
        "Подбор решений из каталога под задачу заказчика",
        "Заказчик описывает задачу своими словами и получает подходящие решения из каталога.",
        EC, "dept-it", CO, None, "idea",
    ),
    Case(
        "Аудиогид по городским музеям для незрячих",
        "Подробные аудиоописания экспозиций с навигацией по залам.",
        CU, "dept-education", RI, None, "idea",
    ),
    Case(
        "Билеты в городские парки по QR-коду",
        "Покупка билетов на аттракционы и катки онлайн с проходом по QR-коду.",
        CU, "dept-it", RI, None, "stopped@idea",
        "Опрос показал, что большинство объектов бесплатны, а платные уже продают билеты онлайн. "
        "Проблема не подтвердилась.",
    ),
]
# fmt: on

GOALS = {
    Topic.ENVIRONMENT: [
        ("Холостые рейсы мусоровозов", "%", 38, 15),
        ("Переполненные контейнерные площадки в день", "шт.", 120, 30),
        ("Совпадение с эталонной станцией по PM2.5", "%", 60, 90),
        ("Станции или датчики в работе", "шт.", 0, 50),
    ],
    Topic.TRANSPORT: [
        ("Среднее время ожидания на остановке", "мин", 12, 8),
        ("Точность прогноза прибытия", "%", 70, 92),
        ("Время проезда перекрёстка в час пик", "с", 240, 150),
        ("Рейсы по расписанию", "%", 81, 95),
    ],
    Topic.HEALTH: [
        ("Время ожидания консультации", "дн.", 7, 1),
        ("Пациенты на дистанционном наблюдении", "чел.", 0, 500),
        ("Повторные вызовы скорой помощи", "%", 18, 10),
        ("Заключения, совпавшие с мнением врача", "%", 0, 95),
    ],
    Topic.EDUCATION: [
        ("Учителя, использующие сервис еженедельно", "%", 0, 60),
        ("Время учителя на проверку работ", "ч/нед.", 10, 4),
        ("Школы-участники", "шт.", 1, 20),
    ],
    Topic.HOUSING: [
        ("Аварии из-за протечек", "шт./мес.", 14, 4),
        ("Время реакции диспетчерской", "ч", 9, 1),
        ("Простои лифтов", "ч/мес.", 36, 12),
        ("Потребление электроэнергии на освещение", "тыс. кВт·ч", 120, 80),
    ],
    Topic.SOCIAL: [
        ("Получатели услуги", "чел.", 0, 300),
        ("Удовлетворённость получателей", "балл", Decimal("3.4"), Decimal("4.5")),
        ("Время сотрудника на рутинные операции", "ч/день", 3, Decimal("1.5")),
    ],
    Topic.SAFETY: [
        ("Ложные срабатывания", "%", 40, 10),
        ("Время оповещения", "мин", 45, 5),
    ],
    Topic.SERVICES: [
        ("Заявления, поданные без ошибок", "%", 62, 90),
        ("Среднее время ответа на обращение", "дн.", 8, 3),
        ("Обращения, направленные исполнителю автоматически", "%", 0, 70),
    ],
    Topic.ECONOMY: [
        ("Предприниматели, нашедшие меру поддержки", "чел./мес.", 0, 400),
        ("Обращения в контакт-центр по мерам поддержки", "шт./мес.", 900, 500),
    ],
    Topic.CULTURE: [
        ("Посетители, воспользовавшиеся сервисом", "чел./мес.", 0, 1500),
    ],
}

TAGS = {
    Topic.ENVIRONMENT: ["экология", "датчики", "отходы"],
    Topic.TRANSPORT: ["транспорт", "беспилотники", "данные"],
    Topic.HEALTH: ["здравоохранение", "телемедицина", "ии"],
    Topic.EDUCATION: ["школа", "цифровая среда"],
    Topic.HOUSING: ["жкх", "датчики", "iot"],
    Topic.SOCIAL: ["соцзащита", "проактивность", "роботы"],
    Topic.SAFETY: ["безопасность", "видеоаналитика"],
    Topic.SERVICES: ["госуслуги", "проактивность", "чат-боты"],
    Topic.ECONOMY: ["мсп", "меры поддержки"],
    Topic.CULTURE: ["культура", "доступная среда"],
}

RATIONALES = {
    Stage.PROTOTYPE: [
        "Проблема подтверждена интервью с {n} сотрудниками заказчика; команда готова собрать MVP.",
        "Задача вошла в список приоритетов департамента, найден ответственный со стороны заказчика.",
        "Идея прошла экспертный отбор: понятный эффект, есть данные и команда.",
    ],
    Stage.PILOT: [
        "Прототип прошёл приёмочные испытания; заказчик выделил площадку на {n} месяца.",
        "MVP проверен на тестовых данных, согласованы критерии успеха пилота.",
        "Прототип показал работоспособность, безопасность данных подтверждена.",
    ],
    Stage.ADOPTION: [
        "Пилот достиг целевых показателей, департамент готов закупить решение.",
        "Результаты пилота подтверждены независимой оценкой, подготовлено техническое задание на закупку.",
        "Эффект пилота превысил затраты; решение включено в план закупок.",
    ],
    Stage.SCALE: [
        "Решение работает в эксплуатации год, тиражирование согласовано с {n} учреждениями.",
        "Внедрение окупилось, другие округа запросили решение.",
    ],
}
BACK_REASONS = [
    "На пилоте выявлены ошибки в работе зимой: нужна доработка прототипа.",
    "Поставщик не смог выполнить требования к защите персональных данных; возврат на доработку.",
    "Площадка оказалась нерепрезентативной, пилот нужно повторить на другой.",
]
STOP_RATIONALES = [
    "Критерии успеха не достигнуты, продолжение нецелесообразно.",
    "Проверка гипотезы дала отрицательный результат.",
]


def seed_funnel(operator) -> None:
    """Create the instruments and the initiatives once (skipped when the funnel holds any)."""
    if Instrument.objects.exists() or Initiative.objects.exists():
        return
    _Seeder(operator).run()


class _Seeder:
    def __init__(self, operator) -> None:
        self.operator = operator
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.organizations = {org.slug: org for org in Organization.objects.all()}
        users = get_user_model().objects
        self.agency_admin = users.filter(email="agency@demo.govtech.local").first()
        self.health_admin = users.filter(email="health@demo.govtech.local").first()
        self.supplier_lead = users.filter(email="supplier@demo.govtech.local").first()

    def run(self) -> None:
        instruments = [self._instrument(*spec) for spec in INSTRUMENTS]
        self.by_stage = {stage: [i for i in instruments if stage in i.stages] for stage in FUNNEL}
        initiatives = [self._initiative(case, index) for index, case in enumerate(CASES)]
        self._team(initiatives)
        self._proposals(initiatives)

    # --- instruments

    def _instrument(self, name, kind, owner, stages, window, status, description) -> Instrument:
        opens, closes = window
        return services.instrument_create(
            actor=self.operator,
            name=name,
            kind=kind,
            owner=self.organizations[owner],
            description=description,
            stages=stages,
            intake_opens_on=None if opens is None else self.today + timedelta(days=opens),
            intake_closes_on=None if closes is None else self.today + timedelta(days=closes),
            status=status,
            url=f"https://example.org/instruments/{slugify(name, allow_unicode=False)[:40] or kind}",
        )

    # --- initiatives

    def _path(self, case: Case) -> list[str]:
        """The stages the initiative entered after ``idea``, in order."""
        spec = case.path.rstrip("^")
        final, _, stopped_from = spec.partition("@")
        last = stopped_from or final
        path = list(FUNNEL[1 : FUNNEL.index(last) + 1])
        if case.path.endswith("^"):
            # One step back and forward again: the last gate was passed twice.
            path += [FUNNEL[FUNNEL.index(last) - 1], last]
        if final == Stage.STOPPED:
            path.append(Stage.STOPPED)
        return path

    def _dates(self, steps: int):
        """The day the initiative entered the funnel and an increasing date for each step."""
        rng = self.rng
        span = rng.randint(max(60, 90 * steps), HISTORY_DAYS)
        start = self.now - timedelta(days=span, hours=rng.randint(0, 12))
        end = self.now - timedelta(days=rng.randint(3, 40))
        points = sorted(rng.uniform(0.05, 1.0) for _ in range(steps))
        return start, [start + (end - start) * point for point in points]

    def _goals(self, topic: str, target_stage: str) -> list[dict]:
        templates = self.rng.sample(GOALS[topic], k=min(len(GOALS[topic]), self.rng.randint(1, 3)))
        # Early gates aim at part of the final effect; later gates at all of it.
        share = {Stage.PROTOTYPE: Decimal("0.3"), Stage.PILOT: Decimal("0.6")}.get(target_stage, Decimal("1"))
        goals = []
        for metric, unit, baseline, final_target in templates:
            baseline, final_target = Decimal(baseline), Decimal(final_target)
            target = (baseline + (final_target - baseline) * share).quantize(Decimal("1"))
            gap = abs(target - baseline) or Decimal("1")
            overshoot = (gap * Decimal(self.rng.randint(0, 25)) / 100).quantize(Decimal("1"))
            shortfall = (gap * Decimal(self.rng.randint(10, 40)) / 100).quantize(Decimal("1"))
            direction = 1 if target >= baseline else -1
            met = self.rng.random() > 0.15  # a gate sometimes passes with one goal short of its target
            measured = target + direction * (overshoot if met else -shortfall)
            goals.append({"metric": metric, "unit": unit, "baseline": baseline, "target": target, "measured": measured})
        return goals

    def _rationale(self, stage: str) -> str:
        return self.rng.choice(RATIONALES[stage]).format(n=self.rng.randint(2, 12))

    def _instrument_for(self, stage: str, index: int):
        serving = self.by_stage.get(stage) or []
        return serving[index % len(serving)] if serving else None

    def _initiative(self, case: Case, index: int) -> Initiative:
        operator, rng = self.operator, self.rng
        path = self._path(case)
        start, dates = self._dates(len(path))
        initiative = services.initiative_create(
            actor=operator,
            title=case.title,
            summary=case.summary,
            topic=case.topic,
            origin=case.origin,
            sponsor=self.organizations[case.sponsor],
            tags=rng.sample(TAGS[case.topic], k=2),
            entered_at=start,
            instrument=self._instrument_for(Stage.IDEA, index),
            visibility=Visibility.INTERNAL if case.is_internal else Visibility.PUBLIC,
        )
        current = Stage.IDEA
        for target, decided_at in zip(path, dates, strict=True):
            slug = initiative.slug
            if target == Stage.STOPPED:
                services.move_decide(
                    actor=operator,
                    initiative=initiative,
                    to_stage=target,
                    rationale=rng.choice(STOP_RATIONALES),
                    lessons_learned=case.lessons,
                    decided_at=decided_at,
                )
            elif FUNNEL.index(target) < FUNNEL.index(current):
                services.move_decide(
                    actor=operator,
                    initiative=initiative,
                    to_stage=target,
                    rationale=rng.choice(BACK_REASONS),
                    decided_at=decided_at,
                )
            else:
                services.move_decide(
                    actor=operator,
                    initiative=initiative,
                    to_stage=target,
                    rationale=self._rationale(target),
                    goals=self._goals(case.topic, target),
                    evidence_links=[f"https://example.org/funnel/{slug}/{target}-report.pdf"]
                    if target in (Stage.PILOT, Stage.ADOPTION, Stage.SCALE)
                    else [],
                    decided_at=decided_at,
                )
            current = target
        carrier = self._instrument_for(current, index)
        if current in FUNNEL and carrier is not None and carrier != initiative.instrument:
            initiative = services.initiative_update(actor=operator, initiative=initiative, instrument=carrier)
        initiative.refresh_from_db()
        return initiative

    # --- teams and proposals

    def _team(self, initiatives: list[Initiative]) -> None:
        contacts = {
            "dept-transport": self.agency_admin,
            "dept-it": self.agency_admin,
            "dept-health": self.health_admin,
            "polyclinic-3": self.health_admin,
        }
        for case, initiative in zip(CASES, initiatives, strict=True):
            if case.supplier:
                services.team_member_add(
                    actor=self.operator,
                    initiative=initiative,
                    organization=self.organizations[case.supplier],
                    role=TeamRole.DEVELOPER,
                )
                if self.supplier_lead is not None and initiative.stage != Stage.STOPPED:
                    services.team_member_add(
                        actor=self.operator, initiative=initiative, user=self.supplier_lead, role=TeamRole.LEAD
                    )
            contact = contacts.get(case.sponsor)
            if contact is not None:
                services.team_member_add(
                    actor=self.operator, initiative=initiative, user=contact, role=TeamRole.SPONSOR_CONTACT
                )

    def _proposals(self, initiatives: list[Initiative]) -> None:
        """A few moves proposed by the agencies' administrators, waiting for the operator, and one rejected."""
        proposers = {
            "dept-transport": self.agency_admin,
            "dept-it": self.agency_admin,
            "dept-health": self.health_admin,
        }
        wanted = [("dept-it", Stage.IDEA), ("dept-transport", Stage.PILOT), ("dept-health", Stage.PILOT)]
        wanted += [("dept-it", Stage.PROTOTYPE), ("dept-health", Stage.IDEA)]
        used = set()
        for number, (sponsor, stage) in enumerate(wanted):
            proposer = proposers[sponsor]
            found = next(
                (
                    (case, i)
                    for case, i in zip(CASES, initiatives, strict=True)
                    if case.sponsor == sponsor and i.stage == stage and i.pk not in used
                ),
                None,
            )
            if proposer is None or found is None:
                continue
            case, initiative = found
            used.add(initiative.pk)
            target = FUNNEL[FUNNEL.index(stage) + 1]
            proposal = services.move_propose(
                actor=proposer,
                initiative=initiative,
                to_stage=target,
                rationale=self._rationale(target),
                goals=self._goals(case.topic, target),
                evidence_links=[f"https://example.org/funnel/{initiative.slug}/{stage}-results.pdf"],
            )
            if number == len(wanted) - 1:
                services.proposal_reject(
                    actor=self.operator,
                    decision=proposal,
                    note="Нужны результаты проверки на реальных данных поликлиники, а не на тестовых.",
                )
